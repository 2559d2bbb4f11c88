import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { classifyEntry, relativeEntryPath } from './archive-entries.js';

/** At most this many paths are kept for the listing; the counts cover every entry. */
export const LISTED_PATHS = 1000;

export interface ArchiveListing {
  files: number;
  directories: number;
  links: number;
  bytes: number;
  /** Device nodes, FIFOs: a restore skips them. */
  skipped: number;
  /** Absolute or '..' paths: a restore refuses the archive. */
  unsafe: string[];
  paths: string[];
  more: number;
}

/** Reads the tar headers (the contents pass by unread) to say what a restore would write. */
export async function listArchive(data: Readable, signal: AbortSignal): Promise<ArchiveListing> {
  const listing: ArchiveListing = { files: 0, directories: 0, links: 0, bytes: 0, skipped: 0, unsafe: [], paths: [], more: 0 };
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      count(listing, entry);
      entry.resume();
    },
  });
  await pipeline(data, parser as unknown as NodeJS.WritableStream, { signal });
  return listing;
}

function count(listing: ArchiveListing, entry: tar.ReadEntry): void {
  const path = relativeEntryPath(entry.path);
  const verdict = classifyEntry({ path: entry.path, type: entry.type, linkpath: entry.linkpath });
  if (verdict === 'unsafe') {
    if (listing.unsafe.length < 10) listing.unsafe.push(entry.path);
    return;
  }
  if (verdict === 'special') {
    listing.skipped++;
    return;
  }
  if (path === '') return;
  if (entry.type === 'Directory') listing.directories++;
  else if (verdict === 'symlink') listing.links++;
  else {
    listing.files++;
    listing.bytes += entry.size ?? 0;
  }
  const shown = entry.type === 'Directory' ? `${path}/` : verdict === 'symlink' ? `${path} -> ${entry.linkpath ?? ''}` : path;
  if (listing.paths.length < LISTED_PATHS) listing.paths.push(shown);
  else listing.more++;
}
