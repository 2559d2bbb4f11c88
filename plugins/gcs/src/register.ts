import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, normalizeKeyPrefix, VyaError, type SinkDefinition } from '@vya/plugin-api';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bucket'],
  properties: {
    bucket: { type: 'string', minLength: 3 },
    prefix: { type: 'string' },
    project_id: { type: 'string', minLength: 1 },
    credentials: { type: 'string', minLength: 2, description: 'The service-account JSON text (normally "secret:NAME.json").' },
    key_file: { type: 'string', minLength: 1 },
    api_endpoint: { type: 'string', pattern: '^https?://' },
    storage_class: { enum: ['STANDARD', 'NEARLINE', 'COLDLINE', 'ARCHIVE'] },
    chunk_size_mb: { type: 'integer', minimum: 1, maximum: 1024 },
    max_retries: { type: 'integer', minimum: 0, maximum: 20 },
  },
} as const;

export const gcsSinkDefinition: SinkDefinition<FromSchema<typeof configSchema>> = {
  type: 'gcs',
  description: 'A Google Cloud Storage bucket, with resumable streaming uploads.',
  configSchema,
  async create(config, context) {
    let credentials: Record<string, unknown> | undefined;
    if (typeof config.credentials === 'string') {
      context.addSecret(config.credentials);
      try {
        credentials = JSON.parse(config.credentials) as Record<string, unknown>;
      } catch {
        throw new VyaError('gcs: credentials is not service-account JSON', { code: 'CONFIG_INVALID', exitCode: 2, hint: 'store the key file in a secret field: vya secrets set gcp --field json=- --no-password < key.json' });
      }
      if (typeof credentials.private_key === 'string') context.addSecret(credentials.private_key);
    }
    const keyFile = config.key_file;
    // Loaded on first use: the SDK costs start-up time to every command that never needs it.
    const { GcsSink } = await import('./gcs-sink.js');
    return new GcsSink({
      bucket: config.bucket,
      prefix: normalizeKeyPrefix(config.prefix),
      projectId: config.project_id,
      credentials,
      keyFile: keyFile && context.resolvePath(keyFile),
      apiEndpoint: config.api_endpoint,
      storageClass: config.storage_class,
      chunkSizeBytes: (config.chunk_size_mb ?? 16) * 1024 * 1024,
      maxRetries: config.max_retries ?? 3,
    });
  },
};

export default definePlugin({ sinks: [gcsSinkDefinition] });
