export { WebhookNotifier } from './webhook-notifier.js';
export { discordPayload, genericPayload, payloadFor, slackPayload, teamsPayload, telegramPayload, WEBHOOK_FORMATS, type WebhookFormat } from './payloads.js';
export { webhookNotifierDefinition } from './register.js';
