import { definePlugin, type SecretStoreDefinition } from '@vya/plugin-api';
import { EnvSecretStore } from './env-secret-store.js';

export const envSecretStoreDefinition: SecretStoreDefinition = {
  type: 'env',
  description: 'Read-only secrets from environment variables (VYA_SECRET_<NAME>_<FIELD>).',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { prefix: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', default: 'VYA_SECRET_' } },
  },
  create(config, context) {
    return new EnvSecretStore(typeof config.prefix === 'string' ? config.prefix : 'VYA_SECRET_', process.env, context.addSecret);
  },
};

export default definePlugin({ secretStores: [envSecretStoreDefinition] });
