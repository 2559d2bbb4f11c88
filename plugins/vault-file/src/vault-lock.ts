import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive, VyaError } from '@vya/plugin-api';

interface LockOwner {
  pid: number;
  host: string;
  at: string;
}

export interface VaultLockOptions {
  /** How long to wait for another writer before giving up. */
  waitMs?: number;
  /** A lock file without a readable owner (its writer died between create and write) is stale after this. */
  unreadableStaleMs?: number;
}

/**
 * Runs `work` holding `<vault>.lock`, a file created with O_EXCL that names its owner (pid,
 * host). Every read-modify-write of the vault runs under it, so parallel writers queue instead
 * of overwriting each other. A lock whose owner is a dead process on this host is stale and
 * is broken; a lock from another host is waited for, then reported.
 */
export async function withVaultLock<T>(vaultPath: string, work: () => Promise<T>, options: VaultLockOptions = {}): Promise<T> {
  const lockPath = `${vaultPath}.lock`;
  await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lockPath)) break;
    const owner = await readOwner(lockPath);
    if (await isStale(lockPath, owner, options.unreadableStaleMs ?? 5_000)) {
      await breakStale(lockPath, owner);
      continue;
    }
    if (Date.now() > deadline) throw lockedError(vaultPath, lockPath, owner);
    await sleep(Math.min(25 * 2 ** Math.min(attempt, 4), 400) * (0.5 + Math.random()));
  }
  try {
    return await work();
  } finally {
    await unlink(lockPath).catch(() => {});
  }
}

async function tryCreate(lockPath: string): Promise<boolean> {
  let file;
  try {
    file = await open(lockPath, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    const owner: LockOwner = { pid: process.pid, host: hostname(), at: new Date().toISOString() };
    await file.writeFile(JSON.stringify(owner) + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
  return true;
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

async function isStale(lockPath: string, owner: LockOwner | undefined, unreadableStaleMs: number): Promise<boolean> {
  if (owner) return owner.host === hostname() && !processAlive(owner.pid);
  const info = await stat(lockPath).catch(() => undefined);
  // Gone already (released): not stale, just retry at once.
  return info !== undefined && Date.now() - info.mtimeMs > unreadableStaleMs;
}

/**
 * Moves the stale lock aside before deleting it, and puts it back if what was moved is not the
 * lock that was judged stale (another process broke it and took a fresh one meanwhile).
 */
async function breakStale(lockPath: string, judged: LockOwner | undefined): Promise<void> {
  const aside = `${lockPath}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  const moved = await readOwner(aside);
  if (moved && (!judged || moved.pid !== judged.pid || moved.host !== judged.host || moved.at !== judged.at)) {
    await link(aside, lockPath).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}

function lockedError(vaultPath: string, lockPath: string, owner: LockOwner | undefined): VyaError {
  const holder = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.at})` : 'another process';
  return new VyaError(`vault ${vaultPath} is locked by ${holder}`, {
    code: 'VAULT_LOCKED',
    hint: `wait for it to finish; if that process is gone, remove ${lockPath}`,
  });
}
