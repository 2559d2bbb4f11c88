import { readFileSync } from 'node:fs';
import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type NotifierDefinition } from '@vya/plugin-api';

const addresses = { type: 'array', items: { type: 'string', minLength: 3 } } as const;

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'from'],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    secure: { type: 'boolean', description: 'Implicit TLS (SMTPS, usually port 465).' },
    starttls: { type: 'boolean', description: 'Require STARTTLS (usually port 587).' },
    username: { type: 'string' },
    password: { type: 'string' },
    from: { type: 'string', minLength: 3 },
    on_success: addresses,
    on_failure: addresses,
    always: addresses,
    test_mode: { type: 'boolean' },
    subject_prefix: { type: 'string' },
    templates_dir: { type: 'string', minLength: 1 },
    tls_reject_unauthorized: { type: 'boolean' },
    tls_ca: { type: 'string', minLength: 1, description: 'PEM file of a CA to trust (a private mail relay).' },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0 },
  },
} as const;

export const smtpNotifierDefinition: NotifierDefinition<FromSchema<typeof configSchema>> = {
  type: 'smtp',
  description: 'E-mail over SMTP (SSL or STARTTLS), per-outcome recipients, Handlebars templates.',
  configSchema,
  async create(config, context) {
    // Loaded on first use: nodemailer and handlebars cost start-up time to every other command.
    const [{ SmtpNotifier }, { defaultTemplatesDir }] = await Promise.all([import('./smtp-notifier.js'), import('./templates.js')]);
    if (config.password) context.addSecret(config.password);
    const inConfigDir = context.resolvePath;
    const secure = config.secure === true;
    return new SmtpNotifier({
      host: config.host,
      port: config.port ?? (secure ? 465 : config.starttls ? 587 : 25),
      secure,
      starttls: config.starttls === true,
      username: config.username,
      password: config.password,
      from: config.from,
      onSuccess: config.on_success ?? [],
      onFailure: config.on_failure ?? [],
      always: config.always ?? [],
      testMode: config.test_mode === true,
      subjectPrefix: config.subject_prefix,
      templatesDir: config.templates_dir ? inConfigDir(config.templates_dir) : defaultTemplatesDir(),
      tlsRejectUnauthorized: config.tls_reject_unauthorized !== false,
      tlsCa: config.tls_ca ? readFileSync(inConfigDir(config.tls_ca), 'utf8') : undefined,
      timeoutMs: (config.timeout_seconds ?? 30) * 1000,
    });
  },
};

export default definePlugin({ notifiers: [smtpNotifierDefinition] });
