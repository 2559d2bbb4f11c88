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
  /** Written by older vya only: drills now hash the stored archive instead (check-contents.ts). */
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

/** The listing's type of a tar entry; undefined for entries the listing does not record. */
export function listedType(typeflag: string): ListingEntry['type'] | undefined {
  return TYPES[typeflag];
}

/** What the manifest records of the files: counted from the archive, final when its stream ends. */
export interface ArchivedCounts {
  /** Regular files by name (a hard link is one more). */
  files: number;
  /** Content bytes stored (a hard link adds none). */
  bytes: number;
}

/**
 * Taps the archive as it streams out: its headers are read again in memory (TarScanner), one
 * JSON line per entry goes to `listing`; when its reader falls behind, the archive waits.
 * Contents are not hashed here: a drill hashes them from the stored archive itself, which the
 * manifest's sha256 and age authenticate (check-contents.ts); hashing every byte at backup
 * time cost as much CPU as the rest of the listing (docs/performance.md).
 */
export function tapListing(archive: Readable, counts: ArchivedCounts = { files: 0, bytes: 0 }): { data: Readable; listing: Readable } {
  const listing = new PassThrough({ highWaterMark: 64 * 1024 });
  const lines = new ListingWriter(counts);
  const scanner = new TarScanner(lines);
  let offset = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      let stored: Buffer;
      try {
        scanner.write(chunk);
        stored = storedPart(chunk, offset, scanner);
      } catch (error) {
        callback(error as Error);
        return;
      }
      offset += chunk.length;
      const written = lines.take();
      if (written) listing.write(written);
      afterDrain(listing, () => callback(null, stored.length > 0 ? stored : undefined));
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

/** GNU tar's default record: the archive is stored as `tar -b20` writes it, whatever record size packed it. */
const STORED_RECORD_BYTES = 20 * 512;

/**
 * What of `chunk` (at `offset` in the archive) is stored: all of it until the end-of-archive
 * blocks were read, then up to the end of their 10 KiB record. GNU tar packs in 64 KiB
 * records (pack-gnu-tar.ts) and pads the last one with zeros; a reader using tar's default
 * record stops within that padding, and a writer still sending the rest of it would fail
 * with EPIPE (`... | zstd -d | tar -x`). The bytes dropped must be zeros.
 */
function storedPart(chunk: Buffer, offset: number, scanner: TarScanner): Buffer {
  if (!scanner.finished) return chunk;
  const end = Math.ceil(scanner.bytesRead / STORED_RECORD_BYTES) * STORED_RECORD_BYTES;
  const stored = chunk.subarray(0, Math.max(0, Math.min(chunk.length, end - offset)));
  if (!chunk.subarray(stored.length).every((byte) => byte === 0)) throw new Error('the archive has data after its end-of-archive blocks');
  return stored;
}

/** Turns the scanner's entries into listing lines; the lines of a chunk are written at once. */
class ListingWriter implements ScanEvents {
  private line?: ListingEntry;
  private lines = '';

  constructor(private readonly counts: ArchivedCounts) {}

  take(): string {
    const lines = this.lines;
    this.lines = '';
    return lines;
  }

  onEntry(entry: ScannedEntry): void {
    const type = listedType(entry.typeflag);
    const path = relativeEntryPath(entry.path);
    this.line = undefined;
    if (!type || path === '') return;
    if (type === 'file' || type === 'hardlink') this.counts.files++;
    if (type === 'file') this.counts.bytes += entry.size;
    const line: ListingEntry = { path, type };
    if (type === 'symlink' || type === 'hardlink') line.target = type === 'hardlink' ? relativeEntryPath(entry.linkpath) : entry.linkpath;
    else line.mode = entry.mode & 0o7777;
    if (type === 'file') line.size = entry.size;
    this.line = line;
  }

  onContent(): void {}

  onEntryEnd(): void {
    if (!this.line) return;
    this.lines += JSON.stringify(this.line) + '\n';
    this.line = undefined;
  }
}
function afterDrain(listing: PassThrough, next: () => void): void {
  if (!listing.writableNeedDrain || listing.destroyed) return next();
  whenDrainedOrClosed(listing, next);
}
