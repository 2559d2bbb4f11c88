import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type NotifierDefinition } from '@vya/plugin-api';
import { WEBHOOK_FORMATS } from './payloads.js';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  // Telegram's sendMessage has no default chat: the message must say where it goes.
  if: { properties: { format: { const: 'telegram' } }, required: ['format'] },
  then: { required: ['chat_id'] },
  properties: {
    url: { type: 'string', pattern: '^https?://' },
    format: { enum: [...WEBHOOK_FORMATS] },
    chat_id: { type: ['string', 'integer'] },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0 },
    retries: { type: 'integer', minimum: 0, maximum: 10 },
    retry_delay_seconds: { type: 'number', minimum: 0 },
    on: { type: 'array', items: { enum: ['success', 'failure', 'always'] }, minItems: 1 },
  },
} as const;

export const webhookNotifierDefinition: NotifierDefinition<FromSchema<typeof configSchema>> = {
  type: 'webhook',
  description: 'JSON POST after each run (vya payload, or a Slack, Discord, Teams or Telegram message), with retries and a timeout.',
  configSchema,
  async create(config, context) {
    // Loaded on first use: every command runs this registration, few use the notifier.
    const { WebhookNotifier } = await import('./webhook-notifier.js');
    const headers = config.headers ?? {};
    Object.values(headers).forEach((value) => context.addSecret(value));
    // Slack and most receivers put their token in the URL path: keep it out of logs too.
    const path = new URL(config.url).pathname;
    if (path.length > 8) context.addSecret(path);
    return new WebhookNotifier({
      url: config.url,
      format: config.format ?? 'generic',
      chatId: config.chat_id === undefined ? undefined : String(config.chat_id),
      headers,
      timeoutMs: (config.timeout_seconds ?? 10) * 1000,
      retries: config.retries ?? 3,
      retryDelayMs: (config.retry_delay_seconds ?? 2) * 1000,
      on: config.on ?? ['always'],
    });
  },
};

export default definePlugin({ notifiers: [webhookNotifierDefinition] });
