import { randomBytes, scryptSync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { VyaError } from '@vya/plugin-api';

export type KeySource = { kind: 'file'; path: string } | { kind: 'env'; variable: string } | { kind: 'passphrase'; variable: string };

export interface KdfParams {
  type: 'raw' | 'scrypt';
  salt?: string;
  N?: number;
  r?: number;
  p?: number;
}

export const SCRYPT_DEFAULTS = { N: 2 ** 17, r: 8, p: 1 };

/** A 32-byte key from a key file, VYA_VAULT_KEY (base64 or hex), or a passphrase through scrypt. */
export async function resolveVaultKey(source: KeySource, kdf: KdfParams, options: { allowInsecure: boolean }): Promise<Buffer> {
  if (source.kind === 'passphrase') {
    const passphrase = process.env[source.variable];
    if (!passphrase) throw new VyaError(`the vault passphrase variable ${source.variable} is empty`, { code: 'NO_VAULT_KEY', hint: `export ${source.variable}=... (or use a key file)` });
    return deriveKey(passphrase, kdf);
  }
  const text = source.kind === 'env' ? process.env[source.variable] : await readKeyFile(source.path, options.allowInsecure);
  if (!text) throw new VyaError(`no vault key in ${source.kind === 'env' ? source.variable : source.path}`, { code: 'NO_VAULT_KEY', hint: 'run vya secrets init' });
  return parseKey(text.trim(), source.kind === 'env' ? source.variable : source.path);
}

/** The vault key of a passphrase, through scrypt with the envelope's salt and cost. */
export function deriveKey(passphrase: string, kdf: KdfParams): Buffer {
  const salt = Buffer.from(kdf.salt ?? '', 'base64');
  const N = kdf.N ?? SCRYPT_DEFAULTS.N;
  return scryptSync(passphrase, salt, 32, { N, r: kdf.r ?? SCRYPT_DEFAULTS.r, p: kdf.p ?? SCRYPT_DEFAULTS.p, maxmem: 256 * N * (kdf.r ?? 8) + 1024 * 1024 });
}

/** A key file's key (base64 or hex, 32 bytes), or undefined when there is no such file. */
export async function readKeyFileIfAny(path: string, allowInsecure: boolean): Promise<Buffer | undefined> {
  let text: string;
  try {
    await checkPrivate(path, allowInsecure, 'key file');
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseKey(text.trim(), path);
}

/** A new key file: 32 random bytes, base64, mode 0600; refuses to overwrite one. */
export async function createKeyFile(path: string): Promise<void> {
  try {
    await writeFile(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new VyaError(`key file ${path} already exists`, { code: 'EXISTS', hint: 'keep it: it is the only way to open the vault' });
    throw error;
  }
}

async function readKeyFile(path: string, allowInsecure: boolean): Promise<string> {
  try {
    await checkPrivate(path, allowInsecure, 'key file');
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new VyaError(`vault key file ${path} does not exist`, { code: 'NO_VAULT_KEY', hint: 'create it with vya secrets init' });
    throw error;
  }
}

/** Refuses files others can read: a vault or key readable by the group or world is a leak. */
export async function checkPrivate(path: string, allowInsecure: boolean, what: string): Promise<void> {
  const info = await stat(path);
  if (!allowInsecure && (info.mode & 0o077) !== 0) {
    throw new VyaError(`${what} ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)})`, {
      code: 'INSECURE_PERMISSIONS',
      hint: `chmod 600 ${path} (or set allow_insecure_permissions: true)`,
    });
  }
}

function parseKey(text: string, where: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new VyaError(`the vault key in ${where} is not 32 bytes (base64 or hex)`, { code: 'BAD_VAULT_KEY', hint: 'create a key with vya secrets init' });
  return key;
}
