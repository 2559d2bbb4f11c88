import { Header, Pax } from 'tar';

const BLOCK = 512;
/** Two zero blocks end a tar archive. */
export const TAR_END = Buffer.alloc(BLOCK * 2);

/**
 * The header block(s) of one regular file entry in a ustar archive, with a pax header first
 * when the path does not fit ustar's name/prefix fields (long or non-ASCII collection names).
 */
export function tarFileHeader(path: string, size: number, mtime: Date): Buffer {
  const fields = { path, size, mode: 0o644, mtime, type: 'File' as const, uname: '', gname: '', uid: 0, gid: 0 };
  const block = Buffer.alloc(BLOCK);
  const header = new Header(fields);
  header.encode(block);
  const needsPax = header.needPax || Buffer.byteLength(path) !== path.length;
  if (!needsPax) return block;
  const pax = new Pax({ path, size, mtime }).encode();
  // The ustar fields keep a truncated name for readers without pax support.
  const short = new Header({ ...fields, path: path.slice(0, 99).replace(/[^\x20-\x7e]/g, '_') });
  const shortBlock = Buffer.alloc(BLOCK);
  short.encode(shortBlock);
  return Buffer.concat([pax, shortBlock]);
}

/** Zero bytes that fill a `size`-byte entry body up to the next 512-byte block. */
export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

export interface TarEntry {
  path: string;
  size: number;
  type: string;
}

/**
 * Reads a tar archive from `source` entry by entry. Each entry's body must be read with
 * `body.read()` (or skipped by `skipBody`) before the next entry is asked for.
 */
export class TarReader {
  private entryRemaining = 0;
  private entryPadding = 0;

  constructor(private readonly body: ByteReader) {}

  async next(): Promise<TarEntry | undefined> {
    await this.skipBody();
    let paxPath: string | undefined;
    for (;;) {
      const block = await this.body.read(BLOCK);
      if (!block || block.every((byte) => byte === 0)) return undefined;
      const header = new Header(block);
      if (!header.cksumValid) throw new Error('damaged tar header (bad checksum)');
      const size = header.size ?? 0;
      if (header.type === 'ExtendedHeader' || header.type === 'GlobalExtendedHeader') {
        const data = await this.readExact(size);
        await this.body.read(tarPadding(size).length);
        if (header.type === 'ExtendedHeader') paxPath = Pax.parse(data.toString('utf8'), undefined, false).path;
        continue;
      }
      this.entryRemaining = size;
      this.entryPadding = tarPadding(size).length;
      return { path: paxPath ?? header.path ?? '', size, type: header.type ?? 'File' };
    }
  }

  /** Up to `max` bytes of the current entry's body; undefined at its end. */
  async readBody(max: number): Promise<Buffer | undefined> {
    if (this.entryRemaining === 0) return undefined;
    const chunk = await this.body.readSome(Math.min(max, this.entryRemaining));
    if (!chunk) throw new Error('tar archive ends inside an entry (truncated)');
    this.entryRemaining -= chunk.length;
    return chunk;
  }

  /** Exactly `size` bytes of the current entry's body. */
  async readExact(size: number): Promise<Buffer> {
    const data = await this.body.read(size);
    if (!data || data.length < size) throw new Error('tar archive ends inside an entry (truncated)');
    if (this.entryRemaining > 0) this.entryRemaining -= size;
    return data;
  }

  get remaining(): number {
    return this.entryRemaining;
  }

  async skipBody(): Promise<void> {
    while (this.entryRemaining > 0) await this.readBody(1 << 20);
    if (this.entryPadding > 0) {
      await this.body.read(this.entryPadding);
      this.entryPadding = 0;
    }
  }
}

/** Reads exact byte counts from a stream of chunks, holding no more than one chunk beyond the request. */
export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private readonly iterator: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer | string>) {
    this.iterator = (async function* () {
      for await (const chunk of source) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    })();
  }

  /** Exactly `size` bytes, fewer only at the end of the stream, undefined when nothing is left. */
  async read(size: number): Promise<Buffer | undefined> {
    while (this.buffered < size && (await this.fill()));
    if (this.buffered === 0) return size === 0 ? Buffer.alloc(0) : undefined;
    return this.take(Math.min(size, this.buffered));
  }

  /** Between 1 and `max` bytes, undefined at the end of the stream. */
  async readSome(max: number): Promise<Buffer | undefined> {
    if (this.buffered === 0 && !(await this.fill())) return undefined;
    return this.take(Math.min(max, this.buffered));
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.chunks.push(next.value);
    this.buffered += next.value.length;
    return true;
  }

  private take(size: number): Buffer {
    const first = this.chunks[0];
    if (first.length === size) {
      this.chunks.shift();
      this.buffered -= size;
      return first;
    }
    if (first.length > size) {
      this.chunks[0] = first.subarray(size);
      this.buffered -= size;
      return first.subarray(0, size);
    }
    const parts: Buffer[] = [];
    let needed = size;
    while (needed > 0) {
      const chunk = this.chunks[0];
      if (chunk.length <= needed) {
        parts.push(chunk);
        this.chunks.shift();
        needed -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, needed));
        this.chunks[0] = chunk.subarray(needed);
        needed = 0;
      }
    }
    this.buffered -= size;
    return Buffer.concat(parts, size);
  }
}
