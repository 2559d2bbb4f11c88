import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { relativeEntryPath } from './archive-entries.js';
import { whenDrainedOrClosed } from './drain.js';
import { TarScanner, type ScanEvents, type ScannedEntry } from './tar-scanner.js';

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

/** ustar type flags the listing records; others (devices, FIFOs: never archived) are skipped. */
const TYPES: Record<string, ListingEntry['type'] | undefined> = {
  '0': 'file',
  '7': 'file',
  '5': 'directory',
  D: 'directory',
  '2': 'symlink',
  '1': 'hardlink',
};

/** What the manifest records of the files: counted from the archive, final when its stream ends. */
export interface ArchivedCounts {
  /** Regular files by name (a hard link is one more). */
  files: number;
  /** Content bytes stored (a hard link adds none). */
  bytes: number;
}

/**
 * Taps the archive as it streams out: its headers are read again in memory (TarScanner) and
 * every regular file's content hashed from the same chunks, so the files are read from disk
 * once, by tar. One JSON line per entry goes to `listing`; when its reader falls behind, the
 * archive waits.
 */
export function tapListing(archive: Readable, counts: ArchivedCounts = { files: 0, bytes: 0 }): { data: Readable; listing: Readable } {
  const listing = new PassThrough({ highWaterMark: 64 * 1024 });
  const lines = new ListingWriter(counts);
  const scanner = new TarScanner(lines);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        scanner.write(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      const written = lines.take();
      if (written) listing.write(written);
      afterDrain(listing, () => callback(null, chunk));
    },
    flush(callback: TransformCallback) {
      if (!scanner.finished) {
        callback(new Error('the archive ended before its end-of-archive blocks'));
        return;
      }
      listing.end();
      callback();
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

/** Turns the scanner's entries into listing lines, hashing regular files' content; the lines of a chunk are written at once. */
class ListingWriter implements ScanEvents {
  private line?: ListingEntry;
  private hash?: Hash;
  private size = 0;
  private lines = '';

  constructor(private readonly counts: ArchivedCounts) {}

  take(): string {
    const lines = this.lines;
    this.lines = '';
    return lines;
  }

  onEntry(entry: ScannedEntry): void {
    const type = TYPES[entry.typeflag];
    const path = relativeEntryPath(entry.path);
    this.line = undefined;
    this.hash = undefined;
    if (!type || path === '') return;
    if (type === 'file' || type === 'hardlink') this.counts.files++;
    if (type === 'file') this.counts.bytes += entry.size;
    const line: ListingEntry = { path, type };
    if (type === 'symlink' || type === 'hardlink') line.target = type === 'hardlink' ? relativeEntryPath(entry.linkpath) : entry.linkpath;
    else line.mode = entry.mode & 0o7777;
    this.line = line;
    if (type === 'file') {
      this.hash = createHash('sha256');
      this.size = 0;
    }
  }

  onContent(bytes: Buffer): void {
    if (!this.hash) return;
    this.hash.update(bytes);
    this.size += bytes.length;
  }

  onEntryEnd(): void {
    if (!this.line) return;
    const line = this.hash ? { ...this.line, size: this.size, sha256: this.hash.digest('hex') } : this.line;
    this.lines += JSON.stringify(line) + '\n';
    this.line = undefined;
  }
}
function afterDrain(listing: PassThrough, next: () => void): void {
  if (!listing.writableNeedDrain || listing.destroyed) return next();
  whenDrainedOrClosed(listing, next);
}
