import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, opendir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { VyaError, type DrillCheckRequest, type DrillCheckResult } from '@vya/plugin-api';
import type { ListingEntry } from './listing.js';

/** More mismatches than this are counted, not listed: the first ones say what went wrong. */
const LISTED_PROBLEMS = 50;

/**
 * Reads the stored listing line by line and compares each entry with the restored tree
 * (type, size, mode, sha256 of regular files, symlink targets), then counts the tree's
 * entries to catch any the listing does not have. Memory stays bounded: one line at a time,
 * one directory handle per level of the walk.
 */
export async function checkRestoredTree(request: DrillCheckRequest, signal: AbortSignal): Promise<DrillCheckResult> {
  const root = request.target.directory;
  if (!root) throw new VyaError('a files drill needs a scratch directory', { code: 'DRILL_NO_TARGET' });
  if (!request.listing) return { checked: 'restore only (this snapshot has no stored listing: it was taken by an older vya)', problems: [] };
  const problems: string[] = [];
  let more = 0;
  const report = (line: string) => (problems.length < LISTED_PROBLEMS ? problems.push(line) : more++);
  let entries = 0;
  let bytes = 0;
  for await (const line of createInterface({ input: request.listing, crlfDelay: Infinity })) {
    if (signal.aborted) throw signal.reason;
    if (!line) continue;
    const entry = JSON.parse(line) as ListingEntry;
    entries++;
    bytes += entry.size ?? 0;
    const mismatch = await compareEntry(root, entry);
    if (mismatch) report(`file ${entry.path}: ${mismatch}`);
  }
  const restored = await countEntries(root);
  if (restored > entries) report(`${restored - entries} entr${restored - entries === 1 ? 'y' : 'ies'} restored that the listing does not have`);
  if (more > 0) problems.push(`and ${more} more mismatch(es)`);
  return { checked: `${entries} entries, ${bytes} bytes compared with the listing`, problems };
}

async function compareEntry(root: string, entry: ListingEntry): Promise<string | undefined> {
  const path = join(root, entry.path);
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `cannot be read (${(error as NodeJS.ErrnoException).code})`;
  }
  switch (entry.type) {
    case 'directory':
      if (!info.isDirectory()) return 'is no longer a directory';
      break;
    case 'symlink': {
      if (!info.isSymbolicLink()) return 'is no longer a symlink';
      const target = await readlink(path);
      return target === entry.target ? undefined : `symlink target differs (${JSON.stringify(entry.target)} recorded, ${JSON.stringify(target)} restored)`;
    }
    case 'hardlink':
      return info.isFile() ? undefined : 'is no longer a file (hard link)';
    case 'file': {
      if (!info.isFile()) return 'is no longer a regular file';
      if (info.size !== entry.size) return `size differs (${entry.size} recorded, ${info.size} restored)`;
      if ((await sha256Of(path)) !== entry.sha256) return 'sha256 differs';
      break;
    }
  }
  if (entry.mode !== undefined && (info.mode & 0o7777) !== entry.mode) return `mode differs (${entry.mode.toString(8)} recorded, ${(info.mode & 0o7777).toString(8)} restored)`;
  return undefined;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function countEntries(directory: string): Promise<number> {
  let count = 0;
  for await (const entry of await opendir(directory)) {
    count++;
    if (entry.isDirectory()) count += await countEntries(join(directory, entry.name));
  }
  return count;
}
