import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import * as tar from 'tar';
import { relativeEntryPath } from './archive-entries.js';

/** One line of the stored listing (JSON): what the drill compares the restored tree with. */
export interface ListingEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink';
  /** Permission bits (mode & 0o7777); absent for symlinks. */
  mode?: number;
  size?: number;
  sha256?: string;
  /** Symlink target text, or the path a hard link points at. */
  target?: string;
}

const TYPES: Record<string, ListingEntry['type'] | undefined> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/**
 * Taps the archive as it streams out: the tar bytes are parsed again in memory and every
 * regular file's content hashed from them, so the files are read from disk once, by tar. One
 * JSON line per entry goes to `listing`; when its reader falls behind, the archive waits.
 */
export function tapListing(archive: Readable): { data: Readable; listing: Readable } {
  const listing = new PassThrough({ highWaterMark: 64 * 1024 });
  const parser = new tar.Parser({ strict: true, onReadEntry: (entry) => describe(entry, listing) });
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      parser.write(chunk);
      afterDrain(listing, () => callback(null, chunk));
    },
    flush(callback: TransformCallback) {
      parser.on('end', () => {
        listing.end();
        callback();
      });
      parser.end();
    },
  });
  tap.on('error', (error) => listing.destroy(error));
  tap.on('close', () => {
    if (!tap.writableFinished) listing.destroy(new Error('archive stream closed early'));
  });
  archive.on('error', (error) => tap.destroy(error));
  archive.pipe(tap);
  return { data: tap, listing };
}

function describe(entry: tar.ReadEntry, listing: PassThrough): void {
  const type = TYPES[entry.type];
  const path = relativeEntryPath(entry.path);
  if (!type || path === '') {
    entry.resume();
    return;
  }
  const line: ListingEntry = { path, type };
  if (type !== 'symlink' && type !== 'hardlink') line.mode = (entry.mode ?? 0) & 0o7777;
  if (type === 'symlink' || type === 'hardlink') line.target = type === 'hardlink' ? relativeEntryPath(entry.linkpath ?? '') : (entry.linkpath ?? '');
  if (type !== 'file') {
    entry.resume();
    listing.write(JSON.stringify(line) + '\n');
    return;
  }
  const hash = createHash('sha256');
  let size = 0;
  entry.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  entry.on('end', () => listing.write(JSON.stringify({ ...line, size, sha256: hash.digest('hex') }) + '\n'));
}

function afterDrain(listing: PassThrough, next: () => void): void {
  if (!listing.writableNeedDrain || listing.destroyed) return next();
  const go = () => {
    listing.off('drain', go);
    listing.off('close', go);
    next();
  };
  listing.on('drain', go);
  listing.on('close', go);
}
