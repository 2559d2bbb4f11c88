import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type SecretStoreDefinition } from '@vya/plugin-api';
import type { KeySource } from './vault-key.js';

const vaultFileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1 },
    key_file: { type: 'string', minLength: 1 },
    passphrase_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    allow_insecure_permissions: { type: 'boolean' },
  },
} as const;

export const vaultFileDefinition: SecretStoreDefinition<FromSchema<typeof vaultFileSchema>> = {
  type: 'vault-file',
  description: 'A local vault file encrypted with AES-256-GCM (key file, VYA_VAULT_KEY, or a passphrase).',
  configSchema: vaultFileSchema,
  async create(config, context) {
    // Loaded on first use: every command runs this registration, few use the store.
    const { VaultFileStore } = await import('./vault-file-store.js');
    // VYA_VAULT_KEY wins, so a container can inject the key without a file.
    const keySource: KeySource = process.env.VYA_VAULT_KEY
      ? { kind: 'env', variable: 'VYA_VAULT_KEY' }
      : config.passphrase_env
        ? { kind: 'passphrase', variable: config.passphrase_env }
        : { kind: 'file', path: context.resolvePath(config.key_file ?? `${config.path}.key`) };
    return new VaultFileStore(context.resolvePath(config.path), keySource, {
      allowInsecure: config.allow_insecure_permissions === true,
      onSecret: context.addSecret,
    });
  },
};

const legacyVaultSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'hostname'],
  properties: { path: { type: 'string', minLength: 1 }, hostname: { type: 'string', minLength: 1 } },
} as const;

export const legacyVaultDefinition: SecretStoreDefinition<FromSchema<typeof legacyVaultSchema>> = {
  type: 'legacy-vault',
  description: "The Python vya-backupdb vault (.secrets/vault.json.enc), read-only, for vya migrate.",
  configSchema: legacyVaultSchema,
  async create(config, context) {
    // Loaded on first use: every command runs this registration, few use the store.
    const { LegacyVault } = await import('./legacy-vault.js');
    return new LegacyVault(context.resolvePath(config.path), config.hostname, context.addSecret);
  },
};

export default definePlugin({ secretStores: [vaultFileDefinition, legacyVaultDefinition] });
