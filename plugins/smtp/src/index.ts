export { SmtpNotifier } from './smtp-notifier.js';
export { smtpNotifierDefinition } from './register.js';
export { renderMail } from './templates.js';
