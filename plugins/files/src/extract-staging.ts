import { lchown, lstat, lutimes, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { VyaError } from '@vya/plugin-api';
import { classifyEntry, relativeEntryPath } from './archive-entries.js';

export interface ExtractReport {
  links: number;
  /** Entries of a type a directory cannot hold as data (devices, FIFOs), skipped. */
  skipped: string[];
}

interface DeferredLink {
  path: string;
  target: string;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

/**
 * Extracts a tar stream into `staging` (an empty directory). No symlink exists while entries
 * are written, so nothing can be written through one; the links are created at the end, with
 * their stored target text, each under a parent that is a real directory of the staging tree.
 * An entry with an absolute or '..' path refuses the whole archive.
 */
export async function extractToStaging(data: Readable, staging: string, unitName: string, signal: AbortSignal): Promise<ExtractReport> {
  const links: DeferredLink[] = [];
  const skipped: string[] = [];
  let unsafe: string | undefined;
  const extractor = tar.x({
    cwd: staging,
    strict: true,
    preservePaths: false,
    chmod: true,
    processUmask: 0,
    filter: (path, entry) => {
      const header = entry as tar.ReadEntry;
      const verdict = classifyEntry({ path, type: header.type, linkpath: header.linkpath });
      if (verdict === 'unsafe') unsafe ??= path;
      else if (verdict === 'special') skipped.push(path);
      else if (verdict === 'symlink') links.push({ path, target: header.linkpath ?? '', uid: header.uid, gid: header.gid, mtime: header.mtime });
      return verdict === 'extract' && unsafe === undefined;
    },
  });
  await pipeline(data, extractor as unknown as NodeJS.WritableStream, { signal });
  if (unsafe !== undefined) throw unsafeEntry(unitName, unsafe, 'its path is absolute or climbs out with ".."');
  for (const link of links) await createLink(staging, link, unitName);
  return { links: links.length, skipped };
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
    await symlink(link.target, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafeEntry(unitName, link.path, 'another entry has the same path');
    throw error;
  }
  if (process.getuid?.() === 0 && link.uid !== undefined && link.gid !== undefined) await lchown(path, link.uid, link.gid);
  if (link.mtime) await lutimes(path, link.mtime, link.mtime);
}

async function ensureRealDirectory(directory: string, entryPath: string, unitName: string): Promise<void> {
  try {
    const info = await lstat(directory);
    if (info.isDirectory()) return;
    throw unsafeEntry(unitName, entryPath, info.isSymbolicLink() ? 'it would be created through another link' : 'a parent is not a directory');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(directory);
  }
}

function unsafeEntry(unitName: string, path: string, why: string): VyaError {
  return new VyaError(`snapshot ${unitName} holds an unsafe entry ${JSON.stringify(path)}: ${why}`, {
    code: 'UNSAFE_ENTRY',
    hint: 'nothing was restored; the snapshot may have been tampered with',
  });
}
