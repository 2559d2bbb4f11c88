import { readFileSync } from 'node:fs';
import { definePlugin, type NotifierDefinition } from '@vya/plugin-api';

const addresses = { type: 'array', items: { type: 'string', minLength: 3 } };

export const smtpNotifierDefinition: NotifierDefinition = {
  type: 'smtp',
  description: 'E-mail over SMTP (SSL or STARTTLS), per-outcome recipients, Handlebars templates.',
  configSchema: {
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
  },
  async create(config, context) {
    // Loaded on first use: nodemailer and handlebars cost start-up time to every other command.
    const [{ SmtpNotifier }, { defaultTemplatesDir }] = await Promise.all([import('./smtp-notifier.js'), import('./templates.js')]);
    if (typeof config.password === 'string' && config.password) context.addSecret(config.password);
    const inConfigDir = context.resolvePath;
    const secure = config.secure === true;
    return new SmtpNotifier({
      host: String(config.host),
      port: (config.port as number | undefined) ?? (secure ? 465 : config.starttls ? 587 : 25),
      secure,
      starttls: config.starttls === true,
      username: config.username as string | undefined,
      password: config.password as string | undefined,
      from: String(config.from),
      onSuccess: (config.on_success as string[] | undefined) ?? [],
      onFailure: (config.on_failure as string[] | undefined) ?? [],
      always: (config.always as string[] | undefined) ?? [],
      testMode: config.test_mode === true,
      subjectPrefix: config.subject_prefix as string | undefined,
      templatesDir: config.templates_dir ? inConfigDir(String(config.templates_dir)) : defaultTemplatesDir(),
      tlsRejectUnauthorized: config.tls_reject_unauthorized !== false,
      tlsCa: config.tls_ca ? readFileSync(inConfigDir(String(config.tls_ca)), 'utf8') : undefined,
      timeoutMs: ((config.timeout_seconds as number | undefined) ?? 30) * 1000,
    });
  },
};

export default definePlugin({ notifiers: [smtpNotifierDefinition] });
