import { Transform, type TransformCallback } from 'node:stream';
import { classifyEntry, typeName } from './archive-entries.js';
import { TarScanner, type RawPart, type ScannedEntry } from './tar-scanner.js';

export interface GateEvents {
  /** A symlink, withheld: the caller creates it after everything else. */
  onSymlink(entry: ScannedEntry): void;
  /** A device, FIFO or entry of a type vya does not restore, withheld. */
  onSkipped(entry: ScannedEntry): void;
}

/** Thrown for an entry that must refuse the whole archive; `path` names it. */
export class RefusedEntry extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`unsafe entry ${JSON.stringify(path)}: ${why}`);
  }
}

/** Entry types passed on to the extracting tar: files, hard links, directories. */
const PASSED_TYPES = new Set(['0', '7', '1', '5']);
/** Types whose content length tar readers do not agree on: a non-zero size field is refused. */
const CONTENTLESS_TYPES = new Set(['1', '2', '5']);
/** pax keys with which GNU tar would read names or lengths the scanner does not. */
const STREAM_SHAPING_KEY = /^(GNU\.sparse\.|GNU\.volume\.|SCHILY\.realsize|SCHILY\.offset)/;
const GLOBAL_FORBIDDEN_KEYS = new Set(['path', 'linkpath', 'size']);

/**
 * Passes a tar stream on to an extracting tar, entry by entry, holding back what that tar must
 * never create: symlinks and special files are taken out of the stream (symlinks are created by
 * vya afterwards), and an absolute or '..' path, or any header readers could disagree on,
 * refuses the whole archive. The bytes passed on are the input's own slices, joined per chunk.
 * Everything after the end-of-archive marker is consumed (the stream's checksum covers it) but
 * not passed on.
 */
export class EntryGate extends Transform {
  private readonly scanner: TarScanner;
  private mode: 'hold' | 'pass' | 'drop' = 'hold';
  private held: Buffer[] = [];
  private out: Buffer[] = [];
  private metaSeen = { x: 0, L: 0, K: 0 };
  private paxNames = { path: false, linkpath: false };

  constructor(private readonly events: GateEvents) {
    super({ readableHighWaterMark: 256 * 1024 });
    this.scanner = new TarScanner({
      onRaw: (bytes, part) => this.raw(bytes, part),
      onMeta: (typeflag, records) => this.meta(typeflag, records),
      onEntry: (entry) => this.entry(entry),
      onContent: () => {},
      onEntryEnd: () => {},
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (!this.scanner.finished) {
        this.scanner.write(chunk);
        // The end-of-archive marker was held like any header.
        if (this.scanner.finished) this.release();
      }
    } catch (error) {
      callback(error as Error);
      return;
    }
    this.flushOut();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.scanner.finished ? null : new Error('the archive ends before its end-of-archive marker'));
  }

  private raw(bytes: Buffer, part: RawPart): void {
    // A header after an entry's content and padding starts the next group.
    if (part === 'header' && this.mode !== 'hold') this.mode = 'hold';
    if (this.mode === 'hold') this.held.push(bytes);
    else if (this.mode === 'pass') this.forward(bytes);
  }

  private meta(typeflag: string, records: Readonly<Record<string, string>>): void {
    if (typeflag === 'g') {
      const bad = Object.keys(records).find((key) => GLOBAL_FORBIDDEN_KEYS.has(key) || STREAM_SHAPING_KEY.test(key));
      if (bad) throw new RefusedEntry('(global header)', `it sets ${bad} for every entry`);
      // A global header stands alone: passed on (its padding too) whatever the next entry is.
      this.release();
      this.mode = 'pass';
      return;
    }
    const kind = typeflag as 'x' | 'L' | 'K';
    if (++this.metaSeen[kind] > 1) throw new RefusedEntry('(meta header)', `two '${kind}' headers for one entry`);
    if (kind === 'x') {
      const bad = Object.keys(records).find((key) => STREAM_SHAPING_KEY.test(key));
      if (bad) throw new RefusedEntry(records.path ?? '(meta header)', `its header uses ${bad}, which vya does not restore`);
      this.paxNames = { path: records.path !== undefined, linkpath: records.linkpath !== undefined };
    }
  }

  private entry(entry: ScannedEntry): void {
    const seen = this.metaSeen;
    const paxNames = this.paxNames;
    this.metaSeen = { x: 0, L: 0, K: 0 };
    this.paxNames = { path: false, linkpath: false };
    if ((seen.L > 0 && paxNames.path) || (seen.K > 0 && paxNames.linkpath)) throw new RefusedEntry(entry.path, 'it has both a GNU long name and a pax name');
    if (CONTENTLESS_TYPES.has(entry.typeflag) && entry.size > 0) throw new RefusedEntry(entry.path, `a ${typeName(entry.typeflag)} entry with ${entry.size} bytes of content`);
    const verdict = classifyEntry({ path: entry.path, type: typeName(entry.typeflag), linkpath: entry.linkpath });
    if (verdict === 'unsafe') throw new RefusedEntry(entry.path, 'its path is absolute or climbs out with ".."');
    if (verdict === 'symlink') this.events.onSymlink(entry);
    else if (!PASSED_TYPES.has(entry.typeflag)) this.events.onSkipped(entry);
    else {
      this.release();
      this.mode = 'pass';
      return;
    }
    this.held = [];
    this.mode = 'drop';
  }

  private release(): void {
    for (const bytes of this.held) this.forward(bytes);
    this.held = [];
  }

  /** Collects bytes to push, joining slices that are adjacent in one input chunk. */
  private forward(bytes: Buffer): void {
    const last = this.out.at(-1);
    if (last && last.buffer === bytes.buffer && last.byteOffset + last.length === bytes.byteOffset) this.out[this.out.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + bytes.length);
    else this.out.push(bytes);
  }

  private flushOut(): void {
    // Held bytes may be slices of this chunk: copied before the chunk's memory is handed back.
    this.held = this.held.map((bytes) => Buffer.from(bytes));
    for (const bytes of this.out) this.push(bytes);
    this.out = [];
  }
}
