import { lchown, lstat, lutimes, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { VyaError } from '@vya/plugin-api';
import { relativeEntryPath } from './archive-entries.js';
import { fsPath } from './file-names.js';

/** A symlink of the archive, created only after every other entry was written. */
export interface DeferredLink {
  path: string;
  target: string;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

/**
 * Creates the links with their stored target text, each under a parent that is a real
 * directory of the staging tree: no link can be created through another.
 */
export async function createDeferredLinks(root: string, links: DeferredLink[], unitName: string): Promise<void> {
  for (const link of links) await createLink(root, link, unitName);
}

async function createLink(root: string, link: DeferredLink, unitName: string): Promise<void> {
  const parts = relativeEntryPath(link.path).split('/').filter(Boolean);
  if (parts.length === 0) throw unsafeEntry(unitName, link.path, 'the archive root cannot be a link');
  let directory = root;
  for (const part of parts.slice(0, -1)) {
    directory = join(directory, part);
    await ensureRealDirectory(directory, link.path, unitName);
  }
  const path = join(directory, parts[parts.length - 1]);
  try {
    await symlink(fsPath(link.target), fsPath(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafeEntry(unitName, link.path, 'another entry has the same path');
    throw error;
  }
  if (process.getuid?.() === 0 && link.uid !== undefined && link.gid !== undefined) await lchown(fsPath(path), link.uid, link.gid);
  if (link.mtime) await lutimes(fsPath(path), link.mtime, link.mtime);
}

async function ensureRealDirectory(directory: string, entryPath: string, unitName: string): Promise<void> {
  try {
    const info = await lstat(fsPath(directory));
    if (info.isDirectory()) return;
    throw unsafeEntry(unitName, entryPath, info.isSymbolicLink() ? 'it would be created through another link' : 'a parent is not a directory');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(fsPath(directory));
  }
}

export function unsafeEntry(unitName: string, path: string, why: string): VyaError {
  return new VyaError(`snapshot ${unitName} holds an unsafe entry ${JSON.stringify(path)}: ${why}`, {
    code: 'UNSAFE_ENTRY',
    hint: 'nothing was restored; the snapshot may have been tampered with',
  });
}
