import { readFileSync } from 'node:fs';
import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, VyaError, type SecretStoreDefinition } from '@vya/plugin-api';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['address'],
  properties: {
    address: { type: 'string', pattern: '^https?://' },
    mount: { type: 'string', minLength: 1 },
    path_prefix: { type: 'string' },
    namespace: { type: 'string', minLength: 1 },
    token: { type: 'string', minLength: 1 },
    token_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    auth: {
      type: 'object',
      additionalProperties: false,
      required: ['method', 'role_id'],
      properties: { method: { const: 'approle' }, mount: { type: 'string' }, role_id: { type: 'string', minLength: 1 }, secret_id: { type: 'string', minLength: 1 }, secret_id_env: { type: 'string' } },
    },
    ca_cert: { type: 'string', minLength: 1 },
    tls_server_name: { type: 'string', minLength: 1 },
    read_only: { type: 'boolean' },
    timeout_seconds: { type: 'number', exclusiveMinimum: 0 },
  },
} as const;

export const hashicorpVaultDefinition: SecretStoreDefinition<FromSchema<typeof configSchema>> = {
  type: 'vault-hashicorp',
  description: 'HashiCorp Vault KV v2 (token or AppRole auth, namespaces, custom CA).',
  configSchema,
  async create(config, context) {
    // Loaded on first use: every command runs this registration, few use the store.
    const [{ HashicorpVaultStore }, { VaultClient }] = await Promise.all([import('./hashicorp-store.js'), import('./vault-client.js')]);
    const path = context.resolvePath;
    const token = config.token ?? (config.token_env ? process.env[config.token_env] : undefined) ?? (config.auth ? undefined : process.env.VAULT_TOKEN);
    const auth = config.auth;
    const secretId = auth ? (auth.secret_id ?? (auth.secret_id_env ? process.env[auth.secret_id_env] : undefined)) : undefined;
    if (auth && !secretId) throw new VyaError('vault-hashicorp: AppRole needs secret_id or secret_id_env', { code: 'CONFIG_INVALID', exitCode: 2, hint: 'e.g. secret_id_env: VAULT_SECRET_ID' });
    for (const secret of [token, secretId]) if (secret) context.addSecret(secret);
    const prefix = config.path_prefix !== undefined ? config.path_prefix.replace(/^\/+/, '') : 'vya/';
    return new HashicorpVaultStore(
      new VaultClient({
        address: config.address,
        namespace: config.namespace,
        ca: config.ca_cert ? readFileSync(path(config.ca_cert), 'utf8') : undefined,
        tlsServerName: config.tls_server_name,
        timeoutMs: (config.timeout_seconds ?? 10) * 1000,
      }),
      {
        mount: config.mount ?? 'secret',
        pathPrefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
        token,
        appRole: auth ? { mount: auth.mount ?? 'approle', roleId: auth.role_id, secretId: secretId! } : undefined,
        readOnly: config.read_only === true,
      },
      context.addSecret,
    );
  },
};

export default definePlugin({ secretStores: [hashicorpVaultDefinition] });
