import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, normalizeKeyPrefix, type SinkDefinition } from '@vya/plugin-api';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['bucket'],
  properties: {
    bucket: { type: 'string', minLength: 3 },
    prefix: { type: 'string' },
    region: { type: 'string', minLength: 1 },
    endpoint: { type: 'string', minLength: 1 },
    force_path_style: { type: 'boolean' },
    access_key_id: { type: 'string', minLength: 1 },
    secret_access_key: { type: 'string', minLength: 1 },
    session_token: { type: 'string', minLength: 1 },
    storage_class: { enum: ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'GLACIER_IR', 'DEEP_ARCHIVE', 'REDUCED_REDUNDANCY'] },
    sse: { enum: ['AES256', 'aws:kms'] },
    sse_kms_key_id: { type: 'string', minLength: 1 },
    part_size_mb: { type: 'integer', minimum: 5, maximum: 5120 },
    queue_size: { type: 'integer', minimum: 1, maximum: 64 },
    max_attempts: { type: 'integer', minimum: 1, maximum: 20 },
    conditional_writes: { type: 'boolean' },
  },
  dependentRequired: { access_key_id: ['secret_access_key'], secret_access_key: ['access_key_id'], sse_kms_key_id: ['sse'] },
} as const;

export const s3SinkDefinition: SinkDefinition<FromSchema<typeof configSchema>> = {
  type: 's3',
  description: 'Amazon S3 or an S3-compatible store (MinIO, Ceph, R2, Wasabi...).',
  configSchema,
  async create(config, context) {
    for (const secret of [config.secret_access_key, config.session_token]) if (typeof secret === 'string') context.addSecret(secret);
    // Loaded on first use: the SDK costs start-up time to every command that never needs it.
    const { S3Sink } = await import('./s3-sink.js');
    return new S3Sink({
      bucket: config.bucket,
      prefix: normalizeKeyPrefix(config.prefix),
      region: config.region ?? process.env.AWS_REGION ?? 'us-east-1',
      endpoint: config.endpoint,
      forcePathStyle: config.force_path_style === true,
      credentials: config.access_key_id
        ? { accessKeyId: config.access_key_id, secretAccessKey: String(config.secret_access_key), sessionToken: config.session_token }
        : undefined,
      storageClass: config.storage_class,
      sse: config.sse,
      sseKmsKeyId: config.sse_kms_key_id,
      partSizeBytes: (config.part_size_mb ?? 16) * 1024 * 1024,
      queueSize: config.queue_size ?? 4,
      maxAttempts: config.max_attempts ?? 5,
      conditionalWrites: config.conditional_writes !== false,
    });
  },
};

export default definePlugin({ sinks: [s3SinkDefinition] });
