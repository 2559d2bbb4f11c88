import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { access, mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VyaError, type SecretRecord, type SecretStore, type SecretSummary } from '@vya/plugin-api';
import { withVaultLock } from './vault-lock.js';
import { checkPrivate, createKeyFile, resolveVaultKey, SCRYPT_DEFAULTS, type KdfParams, type KeySource } from './vault-key.js';

interface Envelope {
  format: 'vya-vault';
  version: 1;
  kdf: KdfParams;
  cipher: 'aes-256-gcm';
  nonce: string;
  ciphertext: string;
  tag: string;
}

type Contents = { credentials: Record<string, Omit<SecretRecord, 'name'>> };

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
    const key = await resolveVaultKey(this.keySource, envelope.kdf, this.options);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.nonce, 'base64'));
    decipher.setAAD(additionalData(envelope));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    try {
      const plain = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as Contents;
    } catch {
      throw new VyaError(`cannot open vault ${this.path}: wrong key or passphrase, or the file is corrupted`, { code: 'VAULT_DECRYPT', hint: 'check the key file, VYA_VAULT_KEY or the passphrase; the vault was not changed' });
    }
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
    const kdf: KdfParams = existing?.kdf ?? (this.keySource.kind === 'passphrase' ? { type: 'scrypt', salt: randomBytes(16).toString('base64'), ...SCRYPT_DEFAULTS } : { type: 'raw' });
    const key = await resolveVaultKey(this.keySource, kdf, this.options);
    const nonce = randomBytes(12);
    const header = { format: 'vya-vault' as const, version: 1 as const, kdf, cipher: 'aes-256-gcm' as const, nonce: nonce.toString('base64') };
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(additionalData(header));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(contents), 'utf8'), cipher.final()]);
    const envelope: Envelope = { ...header, ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
    await writeAtomically(this.path, JSON.stringify(envelope, null, 2) + '\n');
  }
}

function additionalData(envelope: Pick<Envelope, 'format' | 'version' | 'kdf' | 'cipher' | 'nonce'>): Buffer {
  return Buffer.from(JSON.stringify([envelope.format, envelope.version, envelope.kdf, envelope.cipher, envelope.nonce]));
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    const file = await open(temp, 'r');
    await file.sync();
    await file.close();
    await rename(temp, path);
    const dir = await open(dirname(path), 'r');
    await dir.sync();
    await dir.close();
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The clear fields are only authenticated once the key is derived, so they are checked before
 * they are used: a tampered scrypt cost must not make scrypt allocate gigabytes (or fail with
 * "malloc failure"), a wrong nonce or tag length must not reach the cipher.
 */
/** scrypt needs 128 × N × r bytes: 1 GiB is far above what a vault was written with (128 MiB). */
const MAX_SCRYPT_MEMORY = 2 ** 30;

function checkEnvelope(envelope: Envelope): void {
  const bytes = (text: unknown) => (typeof text === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(text) ? Buffer.from(text, 'base64').length : -1);
  if (envelope.cipher !== 'aes-256-gcm') throw new Error('unknown cipher');
  if (bytes(envelope.nonce) !== 12) throw new Error('the nonce is not 12 bytes');
  if (bytes(envelope.tag) !== 16) throw new Error('the tag is not 16 bytes');
  if (bytes(envelope.ciphertext) < 0) throw new Error('the ciphertext is not base64');
  const kdf = envelope.kdf as KdfParams | undefined;
  if (kdf?.type === 'raw') return;
  if (kdf?.type !== 'scrypt') throw new Error('unknown key derivation');
  if (bytes(kdf.salt) < 16) throw new Error('the scrypt salt is shorter than 16 bytes');
  const { N, r, p } = { ...SCRYPT_DEFAULTS, ...kdf };
  const powerOfTwo = Number.isInteger(N) && N >= 2 ** 10 && N <= 2 ** 24 && (N & (N - 1)) === 0;
  const sane = powerOfTwo && Number.isInteger(r) && r >= 1 && 128 * N * r <= MAX_SCRYPT_MEMORY && Number.isInteger(p) && p >= 1 && p <= 16;
  if (!sane) throw new Error('implausible scrypt parameters');
}
