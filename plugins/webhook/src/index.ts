export { genericPayload, slackPayload, WebhookNotifier } from './webhook-notifier.js';
export { webhookNotifierDefinition } from './register.js';
