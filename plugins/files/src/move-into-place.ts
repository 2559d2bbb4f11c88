import type { Stats } from 'node:fs';
import { chmod, lstat, rename, rmdir, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { VyaError } from '@vya/plugin-api';
import { fsPath, readDirectoryNames } from './file-names.js';

export interface MoveCounts {
  moved: number;
  replaced: number;
}

/**
 * What moving `staging` into `target` would replace. Directories present on both sides are
 * merged (walked); anything else already in the target is a conflict: without overwrite it
 * refuses the restore, with overwrite it is replaced, except a directory by a non-directory.
 */
export async function findConflicts(staging: string, target: string, overwrite: boolean, relative = ''): Promise<string[]> {
  const conflicts: string[] = [];
  for (const name of await readDirectoryNames(join(staging, relative))) {
    const path = join(relative, name);
    const existing = await lstatOrUndefined(join(target, path));
    if (!existing) continue;
    const staged = await lstat(fsPath(join(staging, path)));
    if (staged.isDirectory() && existing.isDirectory()) conflicts.push(...(await findConflicts(staging, target, overwrite, path)));
    else if (!overwrite || existing.isDirectory()) conflicts.push(path);
  }
  return conflicts;
}

/** Renames every staged entry into the target (same filesystem), replacing what is there. */
export async function moveIntoPlace(staging: string, target: string, relative = '', counts: MoveCounts = { moved: 0, replaced: 0 }): Promise<MoveCounts> {
  for (const name of await readDirectoryNames(join(staging, relative))) {
    const path = join(relative, name);
    const from = join(staging, path);
    const to = join(target, path);
    const existing = await lstatOrUndefined(to);
    const staged = await lstat(fsPath(from));
    if (staged.isDirectory() && existing?.isDirectory()) {
      await moveIntoPlace(staging, target, path, counts);
      await copyDirectoryAttributes(staged, to);
      await rmdir(fsPath(from));
      continue;
    }
    if (existing?.isDirectory()) throw new VyaError(`cannot replace directory ${to} with a file`, { code: 'RESTORE_CONFLICT', hint: 'move that directory away and restore again' });
    // rename() replaces a file or a link atomically, but not with a directory.
    if (existing && staged.isDirectory()) await unlink(fsPath(to));
    await rename(fsPath(from), fsPath(to));
    counts.moved++;
    if (existing) counts.replaced++;
  }
  return counts;
}

async function copyDirectoryAttributes(staged: Stats, to: string): Promise<void> {
  await chmod(fsPath(to), staged.mode & 0o7777);
  await utimes(fsPath(to), staged.atime, staged.mtime);
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(fsPath(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
