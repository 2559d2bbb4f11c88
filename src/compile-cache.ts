import { lstatSync, mkdirSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Keeps V8's compiled code of vya's modules between runs (Node's module compile cache): a
 * one-file backup started ~40 ms sooner of ~410 on a slow 2-core VM (docs/performance.md).
 *
 * Not Node's default directory, `$TMPDIR/node-compile-cache`: whoever can write there can
 * plant code that a root-run vya would execute. The cache lives in vya's cache directory
 * (`$VYA_CACHE_DIR`, else `$XDG_CACHE_HOME/vya` or `~/.cache/vya`), and is used only when
 * that directory is this user's and no one else can write to it or replace it.
 * `NODE_COMPILE_CACHE` (Node takes it before vya starts) and `VYA_COMPILE_CACHE=0` leave it alone.
 */
export function enableVyaCompileCache(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_COMPILE_CACHE !== undefined || env.VYA_COMPILE_CACHE === '0') return undefined;
  try {
    // Empty counts as unset (XDG's rule), never as the current directory.
    const directory = join(env.VYA_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vya'), 'compile-cache');
    makeDirectory(directory);
    if (!ownedAndClosed(directory) || !cannotBeReplaced(dirname(directory))) return undefined;
    return enableCompileCache(directory).directory;
  } catch {
    // No home, a read-only file system: vya runs as well, only compiles its modules again.
    return undefined;
  }
}

/**
 * mkdir -p, one level at a time, and only inside directories of this user's or sticky ones
 * (/tmp): `sudo vya` with the caller's HOME must not leave a root-owned ~/.cache in it.
 * Node's own `recursive` mkdir never returns where mkdir answers ENOENT under a parent that
 * exists (`VYA_CACHE_DIR=/proc/x`: vya hung at start).
 */
function makeDirectory(directory: string): void {
  try {
    lstatSync(directory);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const parent = dirname(directory);
  if (parent === directory) throw new Error(`no root for ${directory}`);
  makeDirectory(parent);
  const info = lstatSync(parent);
  if (info.uid !== process.getuid?.() && (info.mode & 0o1000) === 0) throw new Error(`${parent} is not this user's`);
  mkdirSync(directory, { mode: 0o700 });
}

/** A real directory of this user's that only this user can write to. */
function ownedAndClosed(directory: string): boolean {
  const info = lstatSync(directory);
  return info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o022) === 0;
}

/** Others cannot rename the directory away: its parent is writable by its owner alone, or sticky (/tmp). */
function cannotBeReplaced(parent: string): boolean {
  const info = lstatSync(parent);
  return (info.mode & 0o022) === 0 || (info.mode & 0o1000) !== 0;
}
