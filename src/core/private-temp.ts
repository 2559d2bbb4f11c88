import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive, type PrivateTempDir } from '@vya/plugin-api';

/** Under the state dir: files that hold secrets or plaintext while a command runs. */
export const PRIVATE_TEMP = 'tmp';

const owned = new Set<string>();
let exitHookInstalled = false;

/**
 * A new 0700 directory `<state>/tmp/<pid>.<host>.<purpose>.<random>`, for a password option
 * file or a decrypted dump: never the shared TMPDIR, where a kill -9 would leave it for
 * anyone to find. Removed by `remove()`, at process exit whatever the path to it, and after
 * a crash by the next run's `sweepPrivateTempDirs`.
 */
export async function createPrivateTempDir(stateDir: string, purpose: string): Promise<PrivateTempDir> {
  const root = join(stateDir, PRIVATE_TEMP);
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const path = join(root, `${process.pid}.${nameSafe(hostname())}.${nameSafe(purpose)}.${randomBytes(4).toString('hex')}`);
  await mkdir(path, { mode: 0o700 });
  owned.add(path);
  installExitHook();
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true });
      owned.delete(path);
    },
  };
}

/**
 * Removes the private temp dirs of processes that are gone (this host only: a pid names
 * nothing on another host sharing the state dir). Returns how many were removed.
 */
export async function sweepPrivateTempDirs(stateDir: string): Promise<number> {
  const root = join(stateDir, PRIVATE_TEMP);
  const entries = await readdir(root).catch(() => [] as string[]);
  const host = nameSafe(hostname());
  let removed = 0;
  for (const entry of entries) {
    const [pid, owner] = entry.split('.');
    if (owner !== host || !/^\d+$/.test(pid) || processAlive(Number(pid))) continue;
    await rm(join(root, entry), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' also runs on process.exit() from a second SIGINT/SIGTERM; only sync work is possible.
  process.on('exit', () => {
    for (const path of owned) rmSync(path, { recursive: true, force: true });
  });
}

function nameSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || '_';
}
