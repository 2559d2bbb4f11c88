import { definePlugin, type NotifierDefinition } from 'vya/plugin-api';
import { WebhookNotifier } from './webhook-notifier.js';

export const webhookNotifierDefinition: NotifierDefinition = {
  type: 'webhook',
  description: 'JSON POST after each run (generic payload, or Slack-compatible), with retries and a timeout.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^https?://' },
      format: { enum: ['generic', 'slack'] },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      timeout_seconds: { type: 'number', exclusiveMinimum: 0 },
      retries: { type: 'integer', minimum: 0, maximum: 10 },
      retry_delay_seconds: { type: 'number', minimum: 0 },
      on: { type: 'array', items: { enum: ['success', 'failure', 'always'] }, minItems: 1 },
    },
  },
  create(config, context) {
    const headers = (config.headers as Record<string, string> | undefined) ?? {};
    Object.values(headers).forEach((value) => context.addSecret(value));
    // Slack and most receivers put their token in the URL path: keep it out of logs too.
    const path = new URL(String(config.url)).pathname;
    if (path.length > 8) context.addSecret(path);
    return new WebhookNotifier({
      url: String(config.url),
      format: (config.format as 'generic' | 'slack' | undefined) ?? 'generic',
      headers,
      timeoutMs: ((config.timeout_seconds as number | undefined) ?? 10) * 1000,
      retries: (config.retries as number | undefined) ?? 3,
      retryDelayMs: ((config.retry_delay_seconds as number | undefined) ?? 2) * 1000,
      on: (config.on as WebhookConfigOn | undefined) ?? ['always'],
    });
  },
};

type WebhookConfigOn = ('success' | 'failure' | 'always')[];

export default definePlugin({ notifiers: [webhookNotifierDefinition] });
