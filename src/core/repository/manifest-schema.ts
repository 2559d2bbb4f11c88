import type { JsonSchema } from '@vya/plugin-api';

const text = { type: 'string' };
const count = { type: 'integer', minimum: 0 };

/**
 * The manifest (format_version 1) as JSON Schema: every field the code reads, with its type.
 * Unknown fields are allowed, so a newer vya may add fields without raising format_version.
 */
export const MANIFEST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['format', 'format_version', 'id', 'run_id', 'job', 'source', 'sink', 'unit', 'data_key', 'data_format', 'started_at', 'finished_at', 'raw_bytes', 'stored_bytes', 'sha256', 'compression', 'encryption', 'source_metadata', 'plugins', 'host', 'vya_version'],
  properties: {
    format: { const: 'vya-manifest' },
    format_version: { const: 1 },
    id: { type: 'string', pattern: '^\\d{8}T\\d{6}Z-[0-9a-f]{6}$' },
    run_id: text,
    job: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
    source: { type: 'object', required: ['name', 'type'], properties: { name: text, type: text } },
    sink: text,
    unit: { type: 'object', required: ['name', 'kind'], properties: { name: { type: 'string', minLength: 1 }, kind: text } },
    data_key: text,
    data_format: text,
    started_at: text,
    finished_at: text,
    raw_bytes: count,
    stored_bytes: count,
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    compression: {
      type: 'object',
      required: ['algorithm'],
      properties: { algorithm: { enum: ['zstd', 'gzip', 'none'] }, level: { type: 'integer' } },
    },
    encryption: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['type', 'recipients', 'passphrase'],
          properties: { type: { const: 'age' }, recipients: { type: 'array', items: { type: 'string', pattern: '^age1[0-9a-z]+$' } }, passphrase: { type: 'boolean' } },
        },
      ],
    },
    source_metadata: { type: 'object' },
    listing: {
      type: 'object',
      required: ['key', 'format', 'raw_bytes', 'stored_bytes', 'sha256'],
      properties: { key: text, format: text, raw_bytes: count, stored_bytes: count, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
    },
    plugins: { type: 'object', additionalProperties: text },
    host: text,
    vya_version: text,
  },
};
