import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretRecord } from '@vya/plugin-api';
import { SCRYPT_DEFAULTS, type KdfParams } from './vault-key.js';

export interface Envelope {
  format: 'vya-vault';
  version: 1;
  kdf: KdfParams;
  cipher: 'aes-256-gcm';
  nonce: string;
  ciphertext: string;
  tag: string;
}

export type Contents = { credentials: Record<string, Omit<SecretRecord, 'name'>> };

/** The credentials sealed with AES-256-GCM under `key`; the clear fields are authenticated too. */
export function sealContents(contents: Contents, key: Buffer, kdf: KdfParams): Envelope {
  const nonce = randomBytes(12);
  const header = { format: 'vya-vault' as const, version: 1 as const, kdf, cipher: 'aes-256-gcm' as const, nonce: nonce.toString('base64') };
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(additionalData(header));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(contents), 'utf8'), cipher.final()]);
  return { ...header, ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** The credentials, or undefined when `key` does not open the envelope (wrong key, or altered). */
export function openEnvelope(envelope: Envelope, key: Buffer): Contents | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.nonce, 'base64'));
  decipher.setAAD(additionalData(envelope));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  try {
    const plain = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Contents;
  } catch {
    return undefined;
  }
}

/** A fresh scrypt derivation for a passphrase vault: a new salt with every new passphrase. */
export function newScryptKdf(): KdfParams {
  return { type: 'scrypt', salt: randomBytes(16).toString('base64'), ...SCRYPT_DEFAULTS };
}

function additionalData(envelope: Pick<Envelope, 'format' | 'version' | 'kdf' | 'cipher' | 'nonce'>): Buffer {
  return Buffer.from(JSON.stringify([envelope.format, envelope.version, envelope.kdf, envelope.cipher, envelope.nonce]));
}

export async function writeAtomically(path: string, text: string): Promise<void> {
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

/**
 * The clear fields are only authenticated once the key is derived, so they are checked before
 * they are used: a tampered scrypt cost must not make scrypt allocate gigabytes (or fail with
 * "malloc failure"), a wrong nonce or tag length must not reach the cipher.
 */
/** scrypt needs 128 × N × r bytes: 1 GiB is far above what a vault was written with (128 MiB). */
const MAX_SCRYPT_MEMORY = 2 ** 30;

export function checkEnvelope(envelope: Envelope): void {
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

/** fsync of a directory, so that a rename in it survives a crash. */
export async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
