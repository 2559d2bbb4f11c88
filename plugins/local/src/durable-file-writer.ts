import { Writable } from 'node:stream';

/** What the writer needs of an open file: node:fs/promises' FileHandle has it. */
export interface WritableFile {
  writev(buffers: Buffer[]): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
}

/** How much is written between two background writebacks. */
export const WRITEBACK_EVERY = 32 * 1024 * 1024;

/**
 * One object's bytes into an open file, durable when the stream finishes: 'finish' comes
 * after fsync. Every 32 MiB it starts an fdatasync in the background (one at a time), so the
 * kernel writes the object back while it is still being produced and the final fsync waits
 * for the last few MiB instead of the whole object (docs/performance.md, seventh round). A
 * background writeback that fails fails the stream: Linux reports a writeback error to a file
 * description once, and the final fsync would not see it again.
 */
export class DurableFileWriter extends Writable {
  private sinceWriteback = 0;
  private writeback: Promise<void> | undefined;
  private writebackError: Error | undefined;

  constructor(private readonly file: WritableFile) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeAll(chunks.map(({ chunk }) => chunk)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.makeDurable().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The owner closes the file after the stream: no datasync of ours may still be running then.
    void (this.writeback ?? Promise.resolve()).then(() => callback(error));
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    this.throwWritebackError();
    let rest = buffers;
    while (rest.length > 0) {
      const { bytesWritten } = await this.file.writev(rest);
      if (bytesWritten === 0) throw new Error('the file took none of the bytes written to it');
      this.sinceWriteback += bytesWritten;
      rest = afterWritten(rest, bytesWritten);
    }
    if (this.sinceWriteback >= WRITEBACK_EVERY && !this.writeback) this.startWriteback();
  }

  private startWriteback(): void {
    this.sinceWriteback = 0;
    this.writeback = this.file.datasync().then(
      () => {
        this.writeback = undefined;
      },
      (error: Error) => {
        this.writeback = undefined;
        this.writebackError ??= error;
      },
    );
  }

  private async makeDurable(): Promise<void> {
    await this.writeback;
    this.throwWritebackError();
    await this.file.sync();
  }

  private throwWritebackError(): void {
    if (this.writebackError) throw this.writebackError;
  }
}

/** The buffers still to write after a writev that wrote `written` bytes of them (a short write). */
function afterWritten(buffers: Buffer[], written: number): Buffer[] {
  let skip = written;
  let index = 0;
  while (index < buffers.length && skip >= buffers[index].length) skip -= buffers[index++].length;
  const rest = buffers.slice(index);
  if (skip > 0) rest[0] = rest[0].subarray(skip);
  return rest;
}
