import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type SecretStoreDefinition } from '@vya/plugin-api';
import { EnvSecretStore } from './env-secret-store.js';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { prefix: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', default: 'VYA_SECRET_' } },
} as const;

// ajv does not fill in defaults (useDefaults: false): a defaulted property may be absent.
export const envSecretStoreDefinition: SecretStoreDefinition<FromSchema<typeof configSchema, { keepDefaultedPropertiesOptional: true }>> = {
  type: 'env',
  description: 'Read-only secrets from environment variables (VYA_SECRET_<NAME>_<FIELD>).',
  configSchema,
  create(config, context) {
    return new EnvSecretStore(config.prefix ?? 'VYA_SECRET_', process.env, context.addSecret);
  },
};

export default definePlugin({ secretStores: [envSecretStoreDefinition] });
