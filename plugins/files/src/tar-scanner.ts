import { decodeFileName } from './file-names.js';

/** One archive entry as the listing needs it: the header's facts, after pax and GNU long names. */
export interface ScannedEntry {
  path: string;
  /** The ustar type flag: '0' file, '1' hard link, '2' symlink, '5' directory, ... */
  typeflag: string;
  mode: number;
  size: number;
  linkpath: string;
  uid: number;
  gid: number;
  mtime: Date;
}

/** Which part of the archive a run of raw bytes is: headers (meta headers, their bodies and the end marker included), content, or padding. */
export type RawPart = 'header' | 'content' | 'padding';

export interface ScanEvents {
  /** A header was read; the entry's `size` bytes of content follow through `onContent`. */
  onEntry(entry: ScannedEntry): void;
  onContent(bytes: Buffer): void;
  /** The entry's content is complete. */
  onEntryEnd(): void;
  /** A meta header ('x', 'g', 'L', 'K') and its body were read; they apply to the next entry ('g': to all). */
  onMeta?(typeflag: string, records: Readonly<Record<string, string>>): void;
  /** Every byte the scanner consumes, in order, before the event its last byte completes. */
  onRaw?(bytes: Buffer, part: RawPart): void;
}

/**
 * Reads the headers of a tar stream (POSIX pax, ustar, GNU long names) and hands each entry's
 * content over as slices of the chunks it is given: no copies, no stream per entry. It only
 * reads archives vya itself is writing (GNU tar or npm tar, for the listing of a backup):
 * npm tar's Parser spent ~60 µs of CPU per entry there, most of a small-files backup's
 * overhead. A header whose checksum is wrong throws.
 */
export class TarScanner {
  private state = State.Header;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private remaining = 0;
  private padding = 0;
  private extended: Record<string, string> = {};
  private longName?: string;
  private longLink?: string;
  private metaKind = '';
  private zeroBlocks = 0;
  private ended = false;
  private consumed = 0;

  constructor(private readonly events: ScanEvents) {}

  /** True once the two zero blocks that end an archive were read. */
  get finished(): boolean {
    return this.ended;
  }

  /** Bytes read so far; once `finished`, the offset just past the end-of-archive blocks. */
  get bytesRead(): number {
    return this.consumed;
  }

  write(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.ended) {
      switch (this.state) {
        case State.Content: {
          const end = Math.min(chunk.length, pos + this.remaining);
          if (end > pos) {
            const content = chunk.subarray(pos, end);
            this.events.onRaw?.(content, 'content');
            this.events.onContent(content);
          }
          this.remaining -= end - pos;
          pos = end;
          if (this.remaining === 0) this.finishContent();
          break;
        }
        case State.Padding: {
          const skip = Math.min(chunk.length - pos, this.padding);
          this.events.onRaw?.(chunk.subarray(pos, pos + skip), 'padding');
          this.padding -= skip;
          pos += skip;
          if (this.padding === 0) this.state = State.Header;
          break;
        }
        case State.Header:
        case State.Meta: {
          const want = this.state === State.Header ? BLOCK : this.remaining;
          const taken = Math.min(chunk.length - pos, want - this.pendingBytes);
          this.events.onRaw?.(chunk.subarray(pos, pos + taken), 'header');
          this.pending.push(chunk.subarray(pos, pos + taken));
          this.pendingBytes += taken;
          pos += taken;
          if (this.pendingBytes < want) break;
          const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
          this.pending = [];
          this.pendingBytes = 0;
          if (this.state === State.Header) this.header(bytes);
          else this.meta(bytes);
          break;
        }
      }
    }
    this.consumed += pos;
  }

  private header(block: Buffer): void {
    if (isZeroBlock(block)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.ended = true;
      return;
    }
    // GNU tar ends the archive at the first zero block, npm tar at the second: refused, so that
    // every reader sees the same entries.
    if (this.zeroBlocks > 0) throw new Error('a lone zero block inside the archive');
    if (!checksumMatches(block)) throw new Error('a tar header has a wrong checksum');
    const typeflag = block[156] === 0 ? '0' : String.fromCharCode(block[156]);
    if (META_TYPES.has(typeflag)) {
      const size = numberField(block, 124, 12);
      // Held in memory whole: a damaged or hostile size must not make the scanner buffer gigabytes.
      if (size > MAX_META_BYTES) throw new Error(`a tar meta header claims ${size} bytes (at most ${MAX_META_BYTES} are read)`);
      this.metaKind = typeflag;
      this.remaining = size;
      this.padding = paddingOf(size);
      if (size === 0) this.meta(EMPTY);
      else this.state = State.Meta;
      return;
    }
    const size = this.extended.size !== undefined ? paxSize(this.extended.size) : numberField(block, 124, 12);
    if (!Number.isSafeInteger(size)) throw new Error('a tar header has a size too large to be real');
    const entry: ScannedEntry = {
      path: this.extended.path ?? this.longName ?? ustarPath(block),
      typeflag,
      mode: numberField(block, 100, 8),
      size,
      linkpath: this.extended.linkpath ?? this.longLink ?? text(block, 157, 100),
      uid: this.extended.uid !== undefined ? Number(this.extended.uid) : numberField(block, 108, 8),
      gid: this.extended.gid !== undefined ? Number(this.extended.gid) : numberField(block, 116, 8),
      mtime: new Date(1000 * (this.extended.mtime !== undefined ? Number(this.extended.mtime) : numberField(block, 136, 12))),
    };
    this.extended = {};
    this.longName = undefined;
    this.longLink = undefined;
    this.events.onEntry(entry);
    // Links and directories carry no content, whatever their size field says.
    this.remaining = typeflag === '1' || typeflag === '2' || typeflag === '5' ? 0 : size;
    this.padding = paddingOf(this.remaining);
    this.state = State.Content;
    if (this.remaining === 0) this.finishContent();
  }

  private finishContent(): void {
    this.events.onEntryEnd();
    this.state = this.padding > 0 ? State.Padding : State.Header;
  }

  private meta(body: Buffer): void {
    let records: Record<string, string> = Object.create(null) as Record<string, string>;
    if (this.metaKind === 'x' || this.metaKind === 'g') records = paxRecords(body);
    if (this.metaKind === 'x') Object.assign(this.extended, records);
    else if (this.metaKind === 'L') this.longName = nulTerminated(body);
    else if (this.metaKind === 'K') this.longLink = nulTerminated(body);
    // 'g' (global pax) carries nothing the listing records.
    this.state = this.padding > 0 ? State.Padding : State.Header;
    this.events.onMeta?.(this.metaKind, records);
  }
}

const enum State {
  Header,
  Meta,
  Content,
  Padding,
}

const BLOCK = 512;
const EMPTY = Buffer.alloc(0);
const META_TYPES = new Set(['x', 'g', 'L', 'K']);
const MAX_META_BYTES = 1024 * 1024;

function paxSize(value: string): number {
  const size = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(size)) throw new Error(`a pax header has an invalid size ${JSON.stringify(value.slice(0, 40))}`);
  return size;
}

function paddingOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function checksumMatches(block: Buffer): boolean {
  let sum = 8 * 0x20; // the checksum field itself counts as spaces
  for (let i = 0; i < 148; i++) sum += block[i];
  for (let i = 156; i < BLOCK; i++) sum += block[i];
  return sum === numberField(block, 148, 8);
}

/** Octal, NUL- or space-terminated; or GNU's base-256 when the first byte's high bit is set. */
function numberField(block: Buffer, at: number, length: number): number {
  if (block[at] & 0x80) {
    let value = block[at] & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[at + i];
    return value;
  }
  let value = 0;
  let i = at;
  while (i < at + length && block[i] === 0x20) i++;
  for (; i < at + length && block[i] >= 0x30 && block[i] <= 0x37; i++) value = value * 8 + (block[i] - 0x30);
  // Anything but NULs and spaces after the digits: readers would disagree on the number.
  for (; i < at + length; i++) if (block[i] !== 0 && block[i] !== 0x20) throw new Error('a tar header has a malformed number field');
  return value;
}

/** A NUL-terminated name field; bytes that are not UTF-8 are kept, escaped (file-names.ts). */
function text(block: Buffer, at: number, length: number): string {
  const end = block.indexOf(0, at);
  return decodeFileName(block, at, end === -1 || end > at + length ? at + length : end);
}

function ustarPath(block: Buffer): string {
  const name = text(block, 0, 100);
  // POSIX ustar only: in old GNU headers ("ustar  ") these bytes hold times and sparse data.
  const isUstar = block.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = isUstar ? text(block, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function nulTerminated(body: Buffer): string {
  const end = body.indexOf(0);
  return decodeFileName(body, 0, end === -1 ? body.length : end);
}

/** pax records: "<length> <key>=<value>\n", the length counting the whole record. */
function paxRecords(body: Buffer): Record<string, string> {
  const records: Record<string, string> = Object.create(null) as Record<string, string>;
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const space = body.indexOf(0x20, at);
    const length = Number(body.toString('latin1', at, space));
    if (space === -1 || !Number.isInteger(length) || length <= 0 || at + length > body.length) throw new Error('a pax header record is malformed');
    // GNU tar writes a name that is not UTF-8 as its bytes (without hdrcharset in the C locale).
    const record = decodeFileName(body, space + 1, at + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) {
      const key = record.slice(0, equals);
      // Readers differ on which of two values wins; no writer vya reads produces them.
      if (Object.hasOwn(records, key)) throw new Error(`a pax header repeats the key ${JSON.stringify(key)}`);
      records[key] = record.slice(equals + 1);
    }
    at += length;
  }
  return records;
}
