import { access, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VyaError, type RekeyRequest, type SecretRecord, type SecretStore, type SecretSummary } from '@vya/plugin-api';
import { checkEnvelope, newScryptKdf, openEnvelope, sealContents, writeAtomically, type Contents, type Envelope } from './vault-envelope.js';
import { withVaultLock } from './vault-lock.js';
import { checkPrivate, createKeyFile, readKeyFileIfAny, resolveVaultKey, type KdfParams, type KeySource } from './vault-key.js';
import { checkRekeyRequest, pendingKeyPath, rekeyWithKeyFile, rekeyWithNewKeyFile, rekeyWithPassphrase } from './vault-rekey.js';



/**
 * A local vault file: the credentials as JSON, sealed with AES-256-GCM under a key from a key
 * file, VYA_VAULT_KEY or a passphrase (scrypt). The envelope's clear fields are authenticated
 * too. Written atomically (temp file 0600, fsync, rename, fsync of the directory), each
 * read-modify-write under the vault's lock file.
 */
export class VaultFileStore implements SecretStore {
  constructor(
    readonly path: string,
    private readonly keySource: KeySource,
    private readonly options: { allowInsecure: boolean; onSecret: (value: string) => void },
  ) {}

  async get(name: string): Promise<SecretRecord | undefined> {
    const record = (await this.read()).credentials[name];
    if (!record) return undefined;
    for (const value of [record.password, ...Object.values(record.fields ?? {})]) if (value) this.options.onSecret(value);
    return { name, ...record };
  }

  async list(): Promise<SecretSummary[]> {
    const { credentials } = await this.read();
    return Object.entries(credentials)
      .map(([name, record]) => ({ name, username: record.username, fields: Object.keys(record.fields ?? {}), metadata: record.metadata }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  set(record: SecretRecord): Promise<void> {
    return withVaultLock(this.path, () => this.setUnlocked(record));
  }

  delete(name: string): Promise<boolean> {
    return withVaultLock(this.path, () => this.deleteUnlocked(name));
  }

  private async setUnlocked(record: SecretRecord): Promise<void> {
    const contents = await this.read();
    const now = new Date().toISOString();
    const previous = contents.credentials[record.name];
    const { name, ...rest } = record;
    contents.credentials[name] = { ...rest, metadata: { ...previous?.metadata, ...record.metadata, created_at: previous?.metadata?.created_at ?? record.metadata?.created_at ?? now, updated_at: now } };
    await this.write(contents);
  }

  private async deleteUnlocked(name: string): Promise<boolean> {
    const contents = await this.read();
    if (!(name in contents.credentials)) return false;
    delete contents.credentials[name];
    await this.write(contents);
    return true;
  }

  async info(): Promise<Record<string, unknown>> {
    const envelope = await this.readEnvelope();
    return {
      backend: 'vault file',
      path: this.path,
      key: this.keySource.kind === 'file' ? `key file ${this.keySource.path}` : this.keySource.kind === 'env' ? `environment variable ${this.keySource.variable}` : `passphrase from ${this.keySource.variable} (scrypt)`,
      cipher: envelope?.cipher ?? 'aes-256-gcm',
      exists: envelope !== undefined,
      secrets: envelope ? Object.keys((await this.read()).credentials).length : 0,
    };
  }

  /** Creates the key file (when the key comes from one) and an empty vault; never replaces either. */
  initialize(): Promise<Record<string, unknown>> {
    return withVaultLock(this.path, () => this.initializeUnlocked());
  }

  private async initializeUnlocked(): Promise<Record<string, unknown>> {
    if (await this.readEnvelope()) throw new VyaError(`vault ${this.path} already exists`, { code: 'EXISTS', hint: 'vya secrets list shows what it holds' });
    let keyCreated = false;
    if (this.keySource.kind === 'file' && !(await exists(this.keySource.path))) {
      await mkdir(dirname(this.keySource.path), { recursive: true, mode: 0o700 });
      await createKeyFile(this.keySource.path);
      keyCreated = true;
    }
    await this.write({ credentials: {} });
    return { path: this.path, key_file: this.keySource.kind === 'file' ? this.keySource.path : undefined, key_created: keyCreated };
  }

  private async read(): Promise<Contents> {
    const envelope = await this.readEnvelope();
    if (!envelope) return { credentials: {} };
    return (await this.unlock(envelope)).contents;
  }

  /**
   * Opens the envelope with the configured key; failing that, with the new key of a rekey
   * that died between writing the vault and moving its key file into place (`<key>.new`), or
   * with other `candidates`. Which key opened it decides how a rekey carries on.
   */
  private async unlock(envelope: Envelope, candidates: Buffer[] = []): Promise<{ contents: Contents; key: Buffer; configured: boolean }> {
    const key = await resolveVaultKey(this.keySource, envelope.kdf, this.options);
    const contents = openEnvelope(envelope, key);
    if (contents) return { contents, key, configured: true };
    const pending = this.keySource.kind === 'file' ? await readKeyFileIfAny(pendingKeyPath(this.keySource.path), this.options.allowInsecure).catch(() => undefined) : undefined;
    for (const candidate of [...(pending ? [pending] : []), ...candidates]) {
      const opened = openEnvelope(envelope, candidate);
      if (opened) return { contents: opened, key: candidate, configured: false };
    }
    throw new VyaError(`cannot open vault ${this.path}: wrong key or passphrase, or the file is corrupted`, { code: 'VAULT_DECRYPT', hint: 'check the key file, VYA_VAULT_KEY or the passphrase; the vault was not changed' });
  }

  /** Re-encrypts the vault under a new key or passphrase, under the vault lock (see vault-rekey.ts). */
  async rekey(request: RekeyRequest): Promise<Record<string, unknown>> {
    // Asked before the lock is taken: a person typing must not hold up other writers.
    const newPassphrase = request.newPassphrase ?? (this.keySource.kind === 'passphrase' ? await request.askNewPassphrase?.() : undefined);
    return withVaultLock(this.path, () => this.rekeyUnlocked({ ...request, newPassphrase }));
  }

  private async rekeyUnlocked(request: RekeyRequest): Promise<Record<string, unknown>> {
    const envelope = await this.readEnvelope();
    if (!envelope) throw new VyaError(`vault ${this.path} does not exist`, { code: 'VAULT_MISSING', exitCode: 2, hint: 'create it with vya secrets init' });
    checkRekeyRequest(this.keySource, request);
    const source = this.keySource;
    if (source.kind === 'file') {
      const opened = await this.unlock(envelope);
      return rekeyWithKeyFile(this.path, source.path, opened.contents, !opened.configured);
    }
    if (source.kind === 'passphrase') {
      const opened = await this.unlock(envelope);
      return rekeyWithPassphrase(this.path, source.variable, opened.contents, request.newPassphrase as string);
    }
    const newKey = await readKeyFileIfAny(request.newKeyFile as string, this.options.allowInsecure);
    const opened = await this.unlock(envelope, newKey ? [newKey] : []);
    return rekeyWithNewKeyFile(this.path, source.variable, opened, request.newKeyFile as string, newKey);
  }

  private async readEnvelope(): Promise<Envelope | undefined> {
    let text: string;
    try {
      await checkPrivate(this.path, this.options.allowInsecure, 'vault');
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const envelope = JSON.parse(text) as Envelope;
      if (envelope.format !== 'vya-vault' || envelope.version !== 1) throw new Error('not a vya vault file');
      checkEnvelope(envelope);
      return envelope;
    } catch (error) {
      const detail = error instanceof SyntaxError ? 'not a vya vault file' : (error as Error).message;
      throw new VyaError(`vault ${this.path} is corrupted (${detail})`, { code: 'VAULT_CORRUPT', hint: 'restore it from a backup copy; the file was not changed' });
    }
  }

  private async write(contents: Contents): Promise<void> {
    const existing = await this.readEnvelope();
    const kdf: KdfParams = existing?.kdf ?? (this.keySource.kind === 'passphrase' ? newScryptKdf() : { type: 'raw' });
    const key = await resolveVaultKey(this.keySource, kdf, this.options);
    await writeAtomically(this.path, JSON.stringify(sealContents(contents, key, kdf), null, 2) + '\n');
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
