import { VyaError, type SecretRecord, type SecretStore, type SecretSummary } from '@vya/plugin-api';
import { vaultErrors, VaultClient, type VaultResponse } from './vault-client.js';

export interface HashicorpStoreConfig {
  mount: string;
  pathPrefix: string;
  token?: string;
  appRole?: { mount: string; roleId: string; secretId: string };
  readOnly: boolean;
}

const RESERVED = new Set(['username', 'password', 'description', 'created_at', 'updated_at']);

/**
 * Credentials in HashiCorp Vault's KV v2 engine: one secret per record at
 * `<mount>/data/<path_prefix><name>`. Token auth, or AppRole login; the token is renewed when
 * renewable and past two thirds of its lease, and a 403 leads to one fresh AppRole login.
 */
export class HashicorpVaultStore implements SecretStore {
  readonly readOnly: boolean;
  private token: string | undefined;
  private tokenExpiresAt: number | undefined;
  private renewAfter: number | undefined;

  constructor(
    private readonly client: VaultClient,
    private readonly config: HashicorpStoreConfig,
    private readonly onSecret: (value: string) => void,
  ) {
    this.readOnly = config.readOnly;
    this.token = config.token;
  }

  async get(name: string): Promise<SecretRecord | undefined> {
    const response = await this.request('GET', `${this.config.mount}/data/${this.key(name)}`);
    if (response.status === 404) return undefined;
    this.expectOk(response, `read ${name}`);
    const data = ((response.body?.data as { data?: Record<string, string> } | undefined)?.data ?? {}) as Record<string, string>;
    const fields = Object.fromEntries(Object.entries(data).filter(([key]) => !RESERVED.has(key)));
    for (const value of [data.password, ...Object.values(fields)]) if (value) this.onSecret(value);
    return { name, username: data.username, password: data.password, fields, metadata: { description: data.description, created_at: data.created_at, updated_at: data.updated_at } };
  }

  async set(record: SecretRecord): Promise<void> {
    this.refuseIfReadOnly();
    const existing = await this.get(record.name);
    const now = new Date().toISOString();
    const data: Record<string, string> = { ...record.fields };
    for (const [key, value] of Object.entries({ username: record.username, password: record.password, description: record.metadata?.description, created_at: existing?.metadata?.created_at ?? now, updated_at: now })) {
      if (value !== undefined) data[key] = value;
    }
    this.expectOk(await this.request('POST', `${this.config.mount}/data/${this.key(record.name)}`, { data }), `write ${record.name}`);
  }

  async delete(name: string): Promise<boolean> {
    this.refuseIfReadOnly();
    if (!(await this.get(name))) return false;
    this.expectOk(await this.request('DELETE', `${this.config.mount}/metadata/${this.key(name)}`), `delete ${name}`);
    return true;
  }

  async list(): Promise<SecretSummary[]> {
    // GET with list=true is Vault's documented alternative to the LIST verb, which Node's HTTP stack does not speak.
    const response = await this.request('GET', `${this.config.mount}/metadata/${this.config.pathPrefix}?list=true`);
    if (response.status === 404) return [];
    this.expectOk(response, 'list');
    const keys = ((response.body?.data as { keys?: string[] } | undefined)?.keys ?? []).filter((key) => !key.endsWith('/'));
    const summaries: SecretSummary[] = [];
    for (const key of keys.sort()) {
      const record = await this.get(key);
      if (record) summaries.push({ name: key, username: record.username, fields: Object.keys(record.fields ?? {}), metadata: record.metadata });
    }
    return summaries;
  }

  async info(): Promise<Record<string, unknown>> {
    await this.ensureToken();
    const lookup = await this.request('GET', 'auth/token/lookup-self');
    const data = (lookup.body?.data ?? {}) as { ttl?: number; renewable?: boolean; policies?: string[] };
    return { backend: 'HashiCorp Vault KV v2', mount: this.config.mount, path_prefix: this.config.pathPrefix, auth: this.config.appRole ? 'approle' : 'token', token_ttl_seconds: data.ttl, renewable: data.renewable, policies: data.policies?.join(','), read_only: this.readOnly };
  }

  private key(name: string): string {
    if (!/^[A-Za-z0-9._@-]+$/.test(name)) throw new VyaError(`secret name "${name}" cannot be a Vault path segment`, { code: 'BAD_NAME', hint: 'use letters, digits, ".", "_", "@" and "-"' });
    return `${this.config.pathPrefix}${name}`;
  }

  private async request(method: string, path: string, body?: unknown): Promise<VaultResponse> {
    await this.ensureToken();
    let response = await this.client.call(method, path, this.token, body);
    if (response.status === 403 && this.config.appRole) {
      // The token may have expired or been revoked: log in once more, then give up.
      await this.login();
      response = await this.client.call(method, path, this.token, body);
    }
    return response;
  }

  private async ensureToken(): Promise<void> {
    if (!this.token) {
      if (!this.config.appRole) throw new VyaError('no Vault token', { code: 'NO_TOKEN', hint: 'set token (e.g. "secret:..." or token_env: VAULT_TOKEN) or auth: { method: approle, ... }' });
      await this.login();
      return;
    }
    if (this.renewAfter !== undefined && Date.now() > this.renewAfter) await this.renew();
  }

  private async login(): Promise<void> {
    const role = this.config.appRole!;
    const response = await this.client.call('POST', `auth/${role.mount}/login`, undefined, { role_id: role.roleId, secret_id: role.secretId });
    if (response.status !== 200) throw new VyaError(`Vault AppRole login failed: ${vaultErrors(response)}`, { code: 'AUTH_FAILED', hint: 'check role_id and secret_id, and the approle mount' });
    this.adoptAuth(response);
  }

  private async renew(): Promise<void> {
    const response = await this.client.call('POST', 'auth/token/renew-self', this.token, {});
    if (response.status === 200) return this.adoptAuth(response);
    if (this.config.appRole) return this.login();
    this.renewAfter = undefined;
  }

  private adoptAuth(response: VaultResponse): void {
    const auth = response.body?.auth as { client_token?: string; lease_duration?: number; renewable?: boolean } | undefined;
    if (!auth?.client_token) throw new VyaError('Vault answered without a token', { code: 'AUTH_FAILED' });
    this.token = auth.client_token;
    this.onSecret(auth.client_token);
    const lease = (auth.lease_duration ?? 0) * 1000;
    this.tokenExpiresAt = lease ? Date.now() + lease : undefined;
    this.renewAfter = lease && auth.renewable !== false ? Date.now() + (lease * 2) / 3 : undefined;
  }

  private expectOk(response: VaultResponse, what: string): void {
    if (response.status >= 200 && response.status < 300) return;
    if (response.status === 403) throw new VyaError(`Vault denied ${what}: ${vaultErrors(response)}`, { code: 'ACCESS_DENIED', hint: `the token's policy needs access to ${this.config.mount}/data/${this.config.pathPrefix}* and ${this.config.mount}/metadata/${this.config.pathPrefix}*` });
    throw new VyaError(`Vault ${what} failed: ${vaultErrors(response)}`, { code: 'VAULT_ERROR', hint: 'check mount (KV v2) and path_prefix' });
  }

  private refuseIfReadOnly(): void {
    if (this.readOnly) throw new VyaError('this Vault store is read-only', { code: 'READ_ONLY', hint: 'set read_only: false to write through vya' });
  }
}
