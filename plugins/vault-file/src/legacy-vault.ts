import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { VyaError, type SecretRecord, type SecretStore, type SecretSummary } from '@vya/plugin-api';
import { fernetDecrypt } from './fernet.js';

interface LegacyCredential {
  username?: string;
  password?: string;
  metadata?: { created_at?: string; updated_at?: string; description?: string };
}

/**
 * The Python tool's `.secrets/vault.json.enc`, read-only, for `vya migrate`: one Fernet token
 * whose key is base64url(SHA-256(hostname)), holding JSON whose usernames and passwords are
 * Fernet tokens again. Anyone who knows the host name can read such a file; vya never writes one.
 */
export class LegacyVault implements SecretStore {
  readonly readOnly = true;
  private records: Map<string, SecretRecord> | undefined;

  constructor(
    private readonly path: string,
    private readonly hostname: string,
    private readonly onSecret: (value: string) => void = () => {},
  ) {}

  async get(name: string): Promise<SecretRecord | undefined> {
    return (await this.load()).get(name);
  }

  async list(): Promise<SecretSummary[]> {
    return [...(await this.load()).values()].map(({ name, username, metadata }) => ({ name, username, metadata }));
  }

  async set(): Promise<void> {
    throw readOnly();
  }

  async delete(): Promise<boolean> {
    throw readOnly();
  }

  async info(): Promise<Record<string, unknown>> {
    return { backend: 'legacy vya-backupdb vault (read-only)', path: this.path, hostname: this.hostname, secrets: (await this.load()).size };
  }

  private async load(): Promise<Map<string, SecretRecord>> {
    if (this.records) return this.records;
    const key = Buffer.from(createHash('sha256').update(this.hostname, 'utf8').digest());
    let token: string;
    try {
      token = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new VyaError(`cannot read legacy vault ${this.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { code: 'VAULT_UNREADABLE', hint: 'pass the path of .secrets/vault.json.enc' });
    }
    let document: { credentials?: Record<string, LegacyCredential> };
    try {
      document = JSON.parse(fernetDecrypt(token, key).toString('utf8')) as typeof document;
    } catch (error) {
      const detail = error instanceof VyaError ? error.message : 'its content is not the expected JSON';
      throw new VyaError(`cannot open legacy vault ${this.path} with hostname "${this.hostname}": ${detail}`, {
        code: 'VAULT_DECRYPT',
        hint: 'the legacy vault is keyed by the host name it was created on: pass that one (--vault-hostname)',
      });
    }
    this.records = new Map();
    for (const [name, credential] of Object.entries(document.credentials ?? {})) {
      const open = (value: string | undefined) => (value ? fernetDecrypt(value, key).toString('utf8') : undefined);
      const record: SecretRecord = { name, username: open(credential.username), password: open(credential.password), metadata: credential.metadata };
      if (record.password) this.onSecret(record.password);
      this.records.set(name, record);
    }
    return this.records;
  }
}

function readOnly(): VyaError {
  return new VyaError('the legacy vault is read-only', { code: 'READ_ONLY', hint: 'import it with vya migrate and manage secrets in the vya vault' });
}
