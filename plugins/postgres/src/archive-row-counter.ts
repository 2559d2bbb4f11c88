import { ReadingPassThrough } from '@vya/plugin-api';

/** Rows per table (keyed by `tableKey`) in the TABLE DATA blocks of a `pg_dump --format=custom --compress=0` archive. */
export type ArchiveRowCounts = Map<string, number>;

/**
 * Counts the rows of every table as the dump streams past, so the counts describe exactly
 * the bytes that are stored, and the server does not scan every table a second time.
 *
 * The custom format (pg_backup_archiver.c, pg_backup_custom.c): a header, a table of contents
 * naming each entry's dump id, then data blocks `type, dump id, (length, bytes)*, 0`. A TABLE
 * DATA block holds COPY text, one line per row (a newline inside a value is escaped), so the
 * rows are the newline bytes of its chunks. Archive versions 1.12 to 1.16 (pg_dump 10 to 17)
 * are read; anything else, or bytes that do not parse, leave the data untouched and make
 * `result` resolve to the reason instead, so the caller counts another way. It never fails
 * the stream.
 */
export class ArchiveRowCounter extends ReadingPassThrough<ArchiveRowCounts> {
  private head: Buffer[] = [];
  private headBytes = 0;
  private nextHeadAttempt = HEAD_FIRST_ATTEMPT;
  private layout?: ArchiveLayout;
  private readonly rows: ArchiveRowCounts = new Map();
  private readonly blocksSeen = new Set<number>();
  private state = State.BlockType;
  private carry = EMPTY;
  private blockType = 0;
  private inBlobs = false;
  private table: string | undefined;
  private tableRows = 0;
  private remaining = 0;
  /** The last bytes of the block's COPY text, to tell its end marker from rows. */
  private readonly tail = new Uint8Array(TAIL);
  private blockBytes = 0;
  private nextNewline = -1;

  constructor() {
    super('archive');
  }

  protected override inspect(chunk: Buffer): void {
    if (this.layout) this.scan(chunk);
    else this.collectHead(chunk);
  }

  protected override finish(): ArchiveRowCounts {
    if (!this.layout) this.readHead(true);
    this.checkEnd();
    return this.rows;
  }

  private checkEnd(): void {
    if (!this.layout) throw new Error('the archive ended inside its table of contents');
    if (this.state !== State.BlockType || this.carry.length > 0) throw new Error('the archive ended inside a data block');
    if ([...this.layout.tables.keys()].some((id) => !this.blocksSeen.has(id))) throw new Error('a table listed in the archive has no data block');
  }

  /** What was kept to read further is of no use once the archive cannot be read. */
  protected override giveUp(reason: string): void {
    super.giveUp(reason);
    this.head = [];
    this.carry = EMPTY;
  }

  /** The header and table of contents are read whole: they are small next to the data. */
  private collectHead(chunk: Buffer): void {
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes >= this.nextHeadAttempt) this.readHead(false);
  }

  private readHead(atEnd: boolean): void {
    const bytes = Buffer.concat(this.head);
    const layout = readLayout(bytes);
    if (!layout) {
      if (atEnd) return;
      if (this.headBytes > HEAD_LIMIT) throw new Error(`no end of the table of contents in the first ${HEAD_LIMIT} bytes`);
      this.head = [bytes];
      this.nextHeadAttempt = this.headBytes * 2;
      return;
    }
    this.layout = layout;
    this.head = [];
    this.scan(bytes.subarray(layout.dataStart));
  }

  private scan(chunk: Buffer): void {
    let pos = 0;
    this.nextNewline = -1;
    if (this.carry.length > 0) {
      const need = this.fixedLength() - this.carry.length;
      if (chunk.length < need) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const item = Buffer.concat([this.carry, chunk.subarray(0, need)]);
      this.carry = EMPTY;
      this.consumeFixed(item, 0);
      pos = need;
    }
    while (pos < chunk.length) {
      if (this.state === State.Payload) {
        const end = Math.min(chunk.length, pos + this.remaining);
        if (this.table !== undefined) {
          this.tableRows += this.newlines(chunk, pos, end);
          this.remember(chunk, pos, end);
        }
        this.remaining -= end - pos;
        pos = end;
        if (this.remaining === 0) this.state = State.ChunkLength;
        continue;
      }
      const length = this.fixedLength();
      if (chunk.length - pos < length) {
        this.carry = Buffer.from(chunk.subarray(pos));
        return;
      }
      this.consumeFixed(chunk, pos);
      pos += length;
    }
  }

  private fixedLength(): number {
    return this.state === State.BlockType ? 1 : this.layout!.intLength;
  }

  private consumeFixed(bytes: Buffer, at: number): void {
    const layout = this.layout!;
    switch (this.state) {
      case State.BlockType:
        this.blockType = bytes[at];
        if (this.blockType !== BLK_DATA && this.blockType !== BLK_BLOBS) throw new Error(`unknown data block type ${this.blockType}`);
        this.state = State.BlockId;
        return;
      case State.BlockId: {
        const id = readInt(bytes, at, layout.intSize);
        this.blocksSeen.add(id);
        this.inBlobs = this.blockType === BLK_BLOBS;
        this.table = this.inBlobs ? undefined : layout.tables.get(id);
        this.tableRows = 0;
        this.blockBytes = 0;
        this.state = this.inBlobs ? State.BlobOid : State.ChunkLength;
        return;
      }
      case State.BlobOid:
        this.state = readInt(bytes, at, layout.intSize) === 0 ? State.BlockType : State.ChunkLength;
        return;
      case State.ChunkLength: {
        const length = readInt(bytes, at, layout.intSize);
        if (length < 0) throw new Error('negative chunk length');
        if (length > 0) {
          this.remaining = length;
          this.state = State.Payload;
        } else if (this.inBlobs) {
          this.state = State.BlobOid;
        } else {
          if (this.table !== undefined) this.rows.set(this.table, (this.rows.get(this.table) ?? 0) + this.tableRows - this.endMarkerNewlines());
          this.table = undefined;
          this.state = State.BlockType;
        }
        return;
      }
      default:
        throw new Error('archive reader in an impossible state');
    }
  }

  private remember(chunk: Buffer, from: number, to: number): void {
    const length = to - from;
    this.blockBytes += length;
    if (length >= TAIL) {
      this.tail.set(chunk.subarray(to - TAIL, to));
      return;
    }
    this.tail.copyWithin(0, length);
    for (let i = 0; i < length; i++) this.tail[TAIL - length + i] = chunk[from + i];
  }

  /**
   * pg_dump ends a table's COPY text with the line `\.` and two empty lines: not rows. A row
   * cannot be that line (a backslash in a value is escaped), but an empty line can be a row
   * (one empty text column), so only newlines from the marker on are taken off.
   */
  private endMarkerNewlines(): number {
    for (const marker of END_MARKERS) {
      const start = TAIL - marker.length;
      if (this.blockBytes < marker.length || marker.some((byte, i) => this.tail[start + i] !== byte)) continue;
      if (this.blockBytes === marker.length || this.tail[start - 1] === NEWLINE) return marker.filter((byte) => byte === NEWLINE).length;
    }
    return 0;
  }

  /** Newline bytes in chunk[from, to); the newline found past `to` is remembered for the next call. */
  private newlines(chunk: Buffer, from: number, to: number): number {
    let count = 0;
    let at = this.nextNewline >= from ? this.nextNewline : chunk.indexOf(NEWLINE, from);
    while (at !== -1 && at < to) {
      count++;
      at = chunk.indexOf(NEWLINE, at + 1);
    }
    this.nextNewline = at === -1 ? chunk.length : at;
    return count;
  }
}

/** Schema and table name as one map key (a NUL cannot occur in either). */
export function tableKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

interface ArchiveLayout {
  intSize: number;
  /** A serialized int: a sign byte, then intSize bytes, least significant first. */
  intLength: number;
  /** Dump id of each TABLE DATA entry → its table's key. */
  tables: Map<number, string>;
  dataStart: number;
}

const enum State {
  BlockType,
  BlockId,
  ChunkLength,
  Payload,
  BlobOid,
}

const EMPTY = Buffer.alloc(0);
const NEWLINE = 0x0a;
const END_MARKERS = [[...Buffer.from('\\.\n\n\n')], [...Buffer.from('\\.\n')]];
/** The longest end marker and the newline before it. */
const TAIL = 6;
const BLK_DATA = 1;
const BLK_BLOBS = 3;
const FORMAT_CUSTOM = 1;
const HEAD_FIRST_ATTEMPT = 64 * 1024;
const HEAD_LIMIT = 256 * 1024 * 1024;
const version = (major: number, minor: number) => major * 256 + minor;
const OLDEST_READ = version(1, 12);
const NEWEST_READ = version(1, 16);

class NeedMore extends Error {}

/** Header and table of contents, or undefined when `bytes` ends before the table does. */
function readLayout(bytes: Buffer): ArchiveLayout | undefined {
  const reader = new HeadReader(bytes);
  try {
    return reader.layout();
  } catch (error) {
    if (error instanceof NeedMore) return undefined;
    throw error;
  }
}

class HeadReader {
  private at = 0;
  private intSize = 4;

  constructor(private readonly bytes: Buffer) {}

  layout(): ArchiveLayout {
    if (this.take(5).toString('latin1') !== 'PGDMP') throw new Error('not a pg_dump archive');
    const [major, minor] = [this.byte(), this.byte()];
    this.byte(); // revision
    const archiveVersion = version(major, minor);
    if (archiveVersion < OLDEST_READ || archiveVersion > NEWEST_READ) throw new Error(`archive version ${major}.${minor} is not one vya reads`);
    this.intSize = this.byte();
    if (this.intSize < 1 || this.intSize > 8) throw new Error(`integer size ${this.intSize} is not plausible`);
    const offsetSize = this.byte();
    if (this.byte() !== FORMAT_CUSTOM) throw new Error('not a custom-format archive');
    if (archiveVersion >= version(1, 15)) {
      if (this.byte() !== 0) throw new Error('the archive is compressed');
    } else if (this.int() !== 0) {
      throw new Error('the archive is compressed');
    }
    for (let field = 0; field < 7; field++) this.int(); // creation time
    this.str(); // database name
    this.str(); // server version
    this.str(); // pg_dump version
    const tables = new Map<number, string>();
    const entries = this.int();
    for (let entry = 0; entry < entries; entry++) {
      const id = this.int();
      this.int(); // had dumper
      this.str(); // table oid
      this.str(); // oid
      const tag = this.str();
      const desc = this.str();
      this.int(); // section
      this.str(); // definition
      this.str(); // drop statement
      this.str(); // copy statement
      const namespace = this.str();
      this.str(); // tablespace
      if (archiveVersion >= version(1, 14)) this.str(); // table access method
      if (archiveVersion >= version(1, 16)) this.int(); // relkind
      this.str(); // owner
      this.str(); // "false": with oids
      while (this.str() !== undefined); // dependencies, ended by a null string
      this.byte(); // data offset flag
      this.take(offsetSize); // data offset
      if (desc === 'TABLE DATA' && tag !== undefined && namespace !== undefined) tables.set(id, tableKey(namespace, tag));
    }
    return { intSize: this.intSize, intLength: this.intSize + 1, tables, dataStart: this.at };
  }

  private take(length: number): Buffer {
    if (this.at + length > this.bytes.length) throw new NeedMore();
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }

  private byte(): number {
    return this.take(1)[0];
  }

  private int(): number {
    const at = this.at;
    this.take(this.intSize + 1);
    return readInt(this.bytes, at, this.intSize);
  }

  private str(): string | undefined {
    const length = this.int();
    if (length < 0) return undefined;
    if (length > HEAD_LIMIT) throw new Error('a string in the table of contents is implausibly long');
    return this.take(length).toString('utf8');
  }
}

function readInt(bytes: Buffer, at: number, intSize: number): number {
  let value = 0;
  for (let i = intSize; i >= 1; i--) value = value * 256 + bytes[at + i];
  return bytes[at] === 0 ? value : -value;
}
