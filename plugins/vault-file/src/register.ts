import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { definePlugin, type SecretStoreDefinition } from '@vya/plugin-api';
import { LegacyVault } from './legacy-vault.js';
import { VaultFileStore } from './vault-file-store.js';
import type { KeySource } from './vault-key.js';

function pathIn(configDir: string, path: string): string {
  const expanded = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
  return isAbsolute(expanded) ? expanded : resolve(configDir, expanded);
}

export const vaultFileDefinition: SecretStoreDefinition = {
  type: 'vault-file',
  description: 'A local vault file encrypted with AES-256-GCM (key file, VYA_VAULT_KEY, or a passphrase).',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1 },
      key_file: { type: 'string', minLength: 1 },
      passphrase_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      allow_insecure_permissions: { type: 'boolean' },
    },
  },
  create(config, context) {
    // VYA_VAULT_KEY wins, so a container can inject the key without a file.
    const keySource: KeySource = process.env.VYA_VAULT_KEY
      ? { kind: 'env', variable: 'VYA_VAULT_KEY' }
      : config.passphrase_env
        ? { kind: 'passphrase', variable: String(config.passphrase_env) }
        : { kind: 'file', path: pathIn(context.configDir, String(config.key_file ?? `${String(config.path)}.key`)) };
    return new VaultFileStore(pathIn(context.configDir, String(config.path)), keySource, {
      allowInsecure: config.allow_insecure_permissions === true,
      onSecret: context.addSecret,
    });
  },
};

export const legacyVaultDefinition: SecretStoreDefinition = {
  type: 'legacy-vault',
  description: "The Python vya-backupdb vault (.secrets/vault.json.enc), read-only, for vya migrate.",
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'hostname'],
    properties: { path: { type: 'string', minLength: 1 }, hostname: { type: 'string', minLength: 1 } },
  },
  create(config, context) {
    return new LegacyVault(pathIn(context.configDir, String(config.path)), String(config.hostname), context.addSecret);
  },
};

export default definePlugin({ secretStores: [vaultFileDefinition, legacyVaultDefinition] });
