import type { JsonSchema } from '@vya/plugin-api';

const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' };
const nameMessage = 'names use letters, digits, ".", "_" and "-", starting with a letter or digit';

const instance: JsonSchema = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string', minLength: 1 } },
};

const instances: JsonSchema = { type: 'object', propertyNames: name, additionalProperties: instance };

const count = { type: 'integer', minimum: 0 };

export const compressionSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['algorithm'],
  properties: {
    algorithm: { enum: ['zstd', 'gzip', 'none'] },
    level: { type: 'integer', minimum: -7, maximum: 22 },
  },
};

export const encryptionSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    recipients: { type: 'array', items: { type: 'string', pattern: '^age1[02-9ac-hj-np-z]{58}$' }, minItems: 1 },
    recipients_file: { type: 'string', minLength: 1 },
    passphrase: { type: 'string', minLength: 1 },
  },
  minProperties: 1,
};

export const retentionSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keep_last: count,
    keep_hourly: count,
    keep_daily: count,
    keep_weekly: count,
    keep_monthly: count,
    keep_yearly: count,
    keep_within: { type: 'string', pattern: '^([0-9]+[ymwdh])+$' },
    timezone: { type: 'string', minLength: 1 },
  },
};

export const scheduleSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cron'],
  properties: {
    cron: { type: 'string', minLength: 1 },
    timezone: { type: 'string', minLength: 1 },
    // Bounded so that every delay the daemon computes fits a Node timer (2^31-1 ms).
    jitter_seconds: { type: 'integer', minimum: 0, maximum: 86_400 },
    timeout: { type: 'string', pattern: '^([0-9]+[dhms])+$' },
    retries: { type: 'integer', minimum: 0, maximum: 10 },
    retry_delay: { type: 'string', pattern: '^([0-9]+[dhms])+$' },
  },
};

const argv: JsonSchema = { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 };
const duration: JsonSchema = { type: 'string', pattern: '^([0-9]+[dhms])+$' };
const hookSchema: JsonSchema = {
  oneOf: [
    argv,
    {
      type: 'object',
      additionalProperties: false,
      properties: { command: argv, shell: { type: 'string', minLength: 1 }, timeout: duration },
      oneOf: [{ required: ['command'] }, { required: ['shell'] }],
    },
  ],
};

export const hooksSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    before: { type: 'array', items: hookSchema },
    after: { type: 'array', items: hookSchema },
    on_failure: { type: 'array', items: hookSchema },
    timeout: duration,
  },
};

export const jobSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  // One of sink/sinks is required, not both: checked with the references (load-config.ts).
  required: ['source'],
  properties: {
    description: { type: 'string' },
    source: { type: 'string', minLength: 1 },
    sink: { type: 'string', minLength: 1 },
    sinks: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
    compression: compressionSchema,
    encryption: encryptionSchema,
    retention: retentionSchema,
    schedule: scheduleSchema,
    prune: { type: 'boolean' },
    notify: { type: 'array', items: { type: 'string' } },
    concurrency: { type: 'integer', minimum: 1, maximum: 64 },
    hooks: hooksSchema,
    drill: {
      type: 'object',
      additionalProperties: false,
      properties: {
        into: { type: 'string', minLength: 1, description: 'The source to restore drills into (default: the job\'s own source).' },
        schedule: scheduleSchema,
      },
    },
  },
};

export const metricsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    textfile: { type: 'string', minLength: 1 },
    pushgateway: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', minLength: 1 },
        job: { type: 'string', minLength: 1 },
        timeout_seconds: { type: 'number', exclusiveMinimum: 0, maximum: 3600 },
      },
    },
  },
};

export const reportsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    title: { type: 'string' },
    stale_after_hours: { type: 'number', exclusiveMinimum: 0 },
  },
};

export const daemonSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    concurrency: { type: 'integer', minimum: 1, maximum: 64 },
    heartbeat_seconds: { type: 'integer', minimum: 1, maximum: 86_400 },
  },
};

/** The shape of vya.yml. Each instance's own keys are checked by its plugin's schema. */
export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    state_dir: { type: 'string', minLength: 1 },
    secrets: {
      type: 'object',
      properties: { store: { type: 'string' } },
      additionalProperties: instance,
    },
    sources: instances,
    sinks: instances,
    notifiers: instances,
    jobs: { type: 'object', propertyNames: name, additionalProperties: jobSchema },
    metrics: metricsSchema,
    reports: reportsSchema,
    daemon: daemonSchema,
  },
};

export const NAME_MESSAGE = nameMessage;
