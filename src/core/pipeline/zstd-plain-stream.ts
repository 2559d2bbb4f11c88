import { createRequire } from 'node:module';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { VyaError, WRITE_DIRECTLY, type DirectWriter } from '@vya/plugin-api';
import { ChecksumMismatchError } from './measure.js';

type ZstdBinding = typeof import('zstd-napi/binding.js');
// zstd-napi's binding is CommonJS assigned at run time, which ESM cannot import by name.
const { DCtx } = createRequire(import.meta.url)('zstd-napi/binding') as ZstdBinding;

const OUTPUT_BYTES = 1024 * 1024;
/** Buffers in flight to a direct target: enough to keep a pipe full while the next is filled. */
const DIRECT_BUFFERS = 4;
/** No room: the output before the first buffer, and after one went to the target. */
const NO_OUTPUT = Buffer.alloc(0);

/**
 * A snapshot's plain bytes out of zstd: decompressed on the main thread by zstd's streaming
 * decoder, counted, and failed at the end when the count is not the manifest's (or the input
 * stops inside a frame).
 *
 * Read as a stream, its chunks are fresh buffers, as any stream's. Written directly into a
 * child's stdin, a file or a discarding sink (WRITE_DIRECTLY), it decompresses into four 1 MiB
 * buffers and takes each back when the write called back: the restore of the bench's 1 GB dump
 * spent ~1 CPU s more in page faults and garbage collection with a fresh buffer per chunk
 * (docs/performance.md).
 */
export class ZstdPlainStream extends Transform implements DirectWriter {
  /** Plain bytes produced so far. */
  bytes = 0;
  private readonly decoder = new DCtx();
  private insideFrame = false;
  private output: Buffer = NO_OUTPUT;
  private offset = 0;
  private target: Writable | undefined;
  private readonly free: Buffer[] = [];
  private inFlight = 0;
  private targetFailed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly expectedBytes: number,
    private readonly what: string,
  ) {
    super({ readableHighWaterMark: OUTPUT_BYTES });
  }

  [WRITE_DIRECTLY](target: Writable): void {
    // What was already decompressed for a reader goes first, in order.
    const buffered = this.read() as Buffer | null;
    if (buffered) target.write(buffered);
    this.target = target;
    this.output = NO_OUTPUT;
    this.offset = 0;
    for (let i = 0; i < DIRECT_BUFFERS; i++) this.free.push(Buffer.allocUnsafe(OUTPUT_BYTES));
    // Nothing is pushed from now on; flowing lets 'end' be emitted.
    this.resume();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.decompress(chunk).then(
      () => this.destroyed || callback(),
      (error: Error) => callback(error),
    );
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(
      (error) => this.destroyed || callback(error),
      (error: Error) => callback(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.wake?.();
    callback(error);
  }

  private async decompress(input: Buffer): Promise<void> {
    let rest = input;
    for (;;) {
      if (this.offset === this.output.length) await this.nextOutput();
      if (this.destroyed || this.targetFailed) return this.stall();
      const [remaining, produced, consumed] = this.decode(rest);
      // A call that moved nothing answers for the next frame: it says nothing of this one.
      if (produced > 0 || consumed > 0) this.insideFrame = remaining !== 0;
      rest = rest.subarray(consumed);
      this.produced(produced);
      // Input used up and room left: zstd has nothing more to give for this chunk.
      if (rest.length === 0 && this.offset < this.output.length) return;
      if (produced === 0 && consumed === 0 && this.offset < this.output.length) throw zstdError(new Error('no progress'));
    }
  }

  private decode(input: Buffer): [number, number, number] {
    try {
      return this.decoder.decompressStream(this.output.subarray(this.offset), input);
    } catch (error) {
      throw zstdError(error as Error);
    }
  }

  private produced(count: number): void {
    if (count === 0) return;
    this.bytes += count;
    const start = this.offset;
    this.offset += count;
    // A reader gets each piece at once; a direct target gets whole buffers.
    if (!this.target) this.push(this.output.subarray(start, this.offset));
    else if (this.offset === this.output.length) this.writeOutput();
  }

  /** A buffer with room for zstd's next output: a fresh one for a reader, a returned one for a target. */
  private async nextOutput(): Promise<void> {
    this.offset = 0;
    if (!this.target) {
      this.output = Buffer.allocUnsafe(OUTPUT_BYTES);
      return;
    }
    while (this.free.length === 0 && !this.destroyed) await new Promise<void>((resolve) => (this.wake = resolve));
    this.output = this.free.pop() ?? NO_OUTPUT;
  }

  private writeOutput(): void {
    const buffer = this.output;
    const filled = this.offset;
    this.output = NO_OUTPUT;
    this.offset = 0;
    if (filled === 0) {
      if (buffer !== NO_OUTPUT) this.free.push(buffer);
      return;
    }
    this.inFlight++;
    (this.target as Writable).write(buffer.subarray(0, filled), (error) => {
      this.inFlight--;
      if (error) this.targetFailed = true;
      this.free.push(buffer);
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    });
  }

  private async finish(): Promise<Error | undefined> {
    if (this.target) {
      this.writeOutput();
      while (this.inFlight > 0 && !this.destroyed) await new Promise<void>((resolve) => (this.wake = resolve));
      // The target stopped taking bytes (a child that exited): it settles the outcome, as a pipe that stops does.
      if (this.targetFailed) return this.stall();
    }
    if (this.insideFrame) return zstdError(new Error('the data ends inside a zstd frame'));
    if (this.bytes !== this.expectedBytes) return new ChecksumMismatchError(this.what, this.bytes, this.expectedBytes, 'decompressed size differs');
    return undefined;
  }

  /** Never settles: the stream waits, as a paused pipe does, until its consumer destroys it. */
  private stall(): Promise<never> {
    return new Promise<never>(() => {});
  }
}

function zstdError(error: Error): VyaError {
  return new VyaError(`zstd decompression failed: ${error.message}`, { code: 'ZSTD_ERROR', hint: 'the stored object is not valid zstd: run vya verify on it', cause: error });
}
