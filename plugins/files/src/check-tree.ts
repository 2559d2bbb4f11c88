import { lstat, opendir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { VyaError, type DrillCheckRequest, type DrillCheckResult } from '@vya/plugin-api';
import { escapesRoot } from './archive-entries.js';
import { compareContents, sha256OfFile } from './check-contents.js';
import { decodeFileName, fsPath } from './file-names.js';
import type { ListingEntry } from './listing.js';

/** More mismatches than this are counted, not listed: the first ones say what went wrong. */
const LISTED_PROBLEMS = 50;

/**
 * Reads the stored listing line by line and compares each entry with the restored tree
 * (type, size, mode, symlink targets), then counts the tree's entries to catch any the
 * listing does not have, then compares every regular file's bytes with the archive's
 * (compareContents; a listing of an older vya carries sha256 hashes, compared instead).
 * Memory stays bounded: one line at a time, one directory handle per level of the walk.
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
  let hashed = 0;
  for await (const line of createInterface({ input: request.listing, crlfDelay: Infinity })) {
    if (signal.aborted) throw signal.reason;
    if (!line) continue;
    const entry = JSON.parse(line) as ListingEntry;
    entries++;
    bytes += entry.size ?? 0;
    if (entry.sha256 !== undefined) hashed++;
    const mismatch = await compareEntry(root, entry);
    if (mismatch) report(`file ${entry.path}: ${mismatch}`);
  }
  const restored = await countEntries(root);
  if (restored > entries) report(`${restored - entries} entr${restored - entries === 1 ? 'y' : 'ies'} restored that the listing does not have`);
  const contents = hashed > 0 ? '' : await compareWithArchive(request, root, (path, problem) => report(`file ${path}: ${problem}`), signal);
  if (more > 0) problems.push(`and ${more} more mismatch(es)`);
  return { checked: `${entries} entries, ${bytes} bytes compared with the listing${contents}`, problems };
}

/** The contents check of a listing without hashes: ' and the archive', or why it was not made. */
async function compareWithArchive(request: DrillCheckRequest, root: string, report: (path: string, problem: string) => void, signal: AbortSignal): Promise<string> {
  if (!request.openData) return ' (contents not compared: this vya cannot read the archive again)';
  const archive = await request.openData(signal);
  try {
    await compareContents(archive, root, report, signal);
    return ' and the archive';
  } finally {
    archive.destroy();
  }
}

async function compareEntry(root: string, entry: ListingEntry): Promise<string | undefined> {
  // A restore never writes outside its directory, and a check must not read there either.
  if (escapesRoot(entry.path)) return 'unsafe path, not restored';
  const path = join(root, entry.path);
  let info;
  try {
    info = await lstat(fsPath(path));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `cannot be read (${(error as NodeJS.ErrnoException).code})`;
  }
  switch (entry.type) {
    case 'directory':
      if (!info.isDirectory()) return 'is no longer a directory';
      break;
    case 'symlink': {
      if (!info.isSymbolicLink()) return 'is no longer a symlink';
      const target = decodeFileName(await readlink(fsPath(path), { encoding: 'buffer' }));
      return target === entry.target ? undefined : `symlink target differs (${JSON.stringify(entry.target)} recorded, ${JSON.stringify(target)} restored)`;
    }
    case 'hardlink':
      return info.isFile() ? undefined : 'is no longer a file (hard link)';
    case 'file': {
      if (!info.isFile()) return 'is no longer a regular file';
      if (info.size !== entry.size) return `size differs (${entry.size} recorded, ${info.size} restored)`;
      if (entry.sha256 !== undefined && (await sha256OfFile(path, info.size)) !== entry.sha256) return 'sha256 differs';
      break;
    }
  }
  if (entry.mode !== undefined && (info.mode & 0o7777) !== entry.mode) return `mode differs (${entry.mode.toString(8)} recorded, ${(info.mode & 0o7777).toString(8)} restored)`;
  return undefined;
}

async function countEntries(directory: string): Promise<number> {
  let count = 0;
  // Names as bytes: a directory whose name is not UTF-8 must be opened by its own name;
  // Node's types allow no 'buffer' here, which opendir takes like readdir.
  for await (const entry of await opendir(fsPath(directory), { encoding: 'buffer' as BufferEncoding })) {
    count++;
    if (entry.isDirectory()) count += await countEntries(join(directory, decodeFileName(entry.name as unknown as Buffer)));
  }
  return count;
}
