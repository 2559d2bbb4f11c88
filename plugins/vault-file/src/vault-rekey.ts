import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VyaError, type RekeyRequest } from '@vya/plugin-api';
import { newScryptKdf, sealContents, syncDirectory, writeAtomically, type Contents } from './vault-envelope.js';
import { deriveKey, type KeySource } from './vault-key.js';

/**
 * `vya secrets rekey` for a vault file, run under the vault lock. The vault file itself is
 * always replaced in one rename (temp file 0600, fsync, rename, fsync of the directory), so it
 * is whole under the old key or whole under the new one. With a key file the key changes too,
 * and two files cannot be renamed at once, so the new key goes first to `<key file>.new`:
 *
 * 1. `<key>.new` is written (0600, fsynced);
 * 2. the vault is rewritten under the new key;
 * 3. `<key>.new` is renamed over the key file.
 *
 * Killed before 2, the vault still opens with the old key and `<key>.new` is debris; killed
 * between 2 and 3, the vault opens with `<key>.new`, which every read tries when the key file
 * fails. The next rekey finishes or discards what it finds before it starts.
 */
export function pendingKeyPath(keyPath: string): string {
  return `${keyPath}.new`;
}

/** Refuses a request that does not fit how the vault is opened, before anything is written. */
export function checkRekeyRequest(source: KeySource, request: RekeyRequest): void {
  const passphrase = request.newPassphrase !== undefined;
  if (source.kind === 'file' && (passphrase || request.newKeyFile)) {
    throw usage(`vault is opened with the key file ${source.path}: a rekey writes a new random key into it, and takes no new passphrase or key file`, 'run `vya secrets rekey` without them (a passphrase vault is configured with passphrase_env)');
  }
  if (source.kind === 'passphrase' && !passphrase) throw usage(`vault is opened with the passphrase in $${source.variable}: a rekey needs the new one`, 'give it on the terminal (asked, not echoed), with --new-passphrase-file FILE or with --new-passphrase-env VAR');
  if (source.kind === 'passphrase' && request.newKeyFile) throw usage('a passphrase vault takes a new passphrase, not a key file', 'drop --new-key-file');
  if (source.kind === 'env' && !request.newKeyFile) throw usage(`vault is opened with the key in $${source.variable}: a rekey needs a file to put the new key in`, `pass --new-key-file FILE, then set ${source.variable} from it`);
  if (source.kind === 'env' && passphrase) throw usage(`the vault key comes from $${source.variable}, not from a passphrase`, 'drop the new passphrase; pass --new-key-file FILE');
}

export async function rekeyWithKeyFile(vaultPath: string, keyPath: string, contents: Contents, openedWithPending: boolean): Promise<Record<string, unknown>> {
  const pending = pendingKeyPath(keyPath);
  if (openedWithPending) await moveIntoPlace(pending, keyPath);
  else await unlink(pending).catch(ignoreMissing);
  const key = randomBytes(32);
  await writeKeyFile(pending, key);
  await pauseForTests('new-key-ready');
  await writeAtomically(vaultPath, serialize(contents, key));
  await pauseForTests('vault-written');
  await moveIntoPlace(pending, keyPath);
  return {
    path: vaultPath,
    key_file: keyPath,
    secrets: Object.keys(contents.credentials).length,
    change: `${keyPath} holds a new random key; the old key no longer opens the vault: replace every copy of the key file kept elsewhere`,
  };
}

export async function rekeyWithPassphrase(vaultPath: string, variable: string, contents: Contents, newPassphrase: string): Promise<Record<string, unknown>> {
  if (newPassphrase === '') throw usage('the new passphrase is empty', 'choose a long passphrase');
  if (newPassphrase === process.env[variable]) throw usage(`the new passphrase is the one in $${variable}`, 'choose a different passphrase');
  const kdf = newScryptKdf();
  const key = deriveKey(newPassphrase, kdf);
  await pauseForTests('new-key-ready');
  await writeAtomically(vaultPath, JSON.stringify(sealContents(contents, key, kdf), null, 2) + '\n');
  await pauseForTests('vault-written');
  return { path: vaultPath, secrets: Object.keys(contents.credentials).length, change: `set ${variable} to the new passphrase wherever vya runs: the old one no longer opens the vault` };
}

/**
 * A vault keyed by VYA_VAULT_KEY: the new key goes to a file the operator names (created when
 * missing, else read, so a rerun after an interruption uses the same key), then the vault.
 */
export async function rekeyWithNewKeyFile(vaultPath: string, variable: string, opened: { contents: Contents; key: Buffer; configured: boolean }, newKeyFile: string, existing: Buffer | undefined): Promise<Record<string, unknown>> {
  const result = { path: vaultPath, new_key_file: newKeyFile, secrets: Object.keys(opened.contents.credentials).length, change: `set ${variable} to the contents of ${newKeyFile} wherever vya runs, then keep that file as private as the key: the old key no longer opens the vault` };
  if (existing && !opened.configured) return result;
  if (existing?.equals(opened.key)) throw usage(`${newKeyFile} holds the current key`, 'name a file that does not exist yet: a new random key is written there');
  const key = existing ?? randomBytes(32);
  if (!existing) await writeKeyFile(newKeyFile, key);
  await pauseForTests('new-key-ready');
  await writeAtomically(vaultPath, serialize(opened.contents, key));
  await pauseForTests('vault-written');
  return result;
}

function serialize(contents: Contents, key: Buffer): string {
  return JSON.stringify(sealContents(contents, key, { type: 'raw' }), null, 2) + '\n';
}

/** A new key file: base64, mode 0600, never over an existing file, fsynced with its directory. */
async function writeKeyFile(path: string, key: Buffer): Promise<void> {
  const file = await open(path, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw usage(`${path} already exists`, 'name a file that does not exist yet');
    throw error;
  });
  try {
    await file.writeFile(key.toString('base64') + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
  await syncDirectory(dirname(path));
}

async function moveIntoPlace(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDirectory(dirname(to));
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

function usage(message: string, hint: string): VyaError {
  return new VyaError(`vault rekey: ${message}`, { code: 'USAGE', exitCode: 2, hint });
}

/**
 * For the crash tests only: with VYA_TEST_REKEY_PAUSE set to a step, the rekey says so on
 * stderr and waits for ever, so a test can `kill -9` it exactly there.
 */
async function pauseForTests(step: 'new-key-ready' | 'vault-written'): Promise<void> {
  if (process.env.VYA_TEST_REKEY_PAUSE !== step) return;
  process.stderr.write(`vault rekey paused at step "${step}" (VYA_TEST_REKEY_PAUSE)\n`);
  await new Promise(() => setInterval(() => {}, 60_000));
}
