import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes every byte through unchanged while a subclass inspects it: how a source learns facts
 * about its dump as it streams (row counts for drills) without reading it a second time.
 * `result` resolves, once the stream has ended, to what `finish` returns, or to the reason
 * the bytes could not be read: a thrown error that `isUnreadable` accepts, whose message is
 * the reason. From then on the bytes only pass through. `result` rejects when the stream
 * closes before its end.
 */
export abstract class ReadingPassThrough<T> extends Transform {
  readonly result: Promise<T | string>;
  private settle!: (result: T | string) => void;
  private cutShort!: (error: Error) => void;
  private unreadable?: string;

  /** `what` names what the bytes are ("script", "archive") in the error of a stream cut short. */
  constructor(what: string) {
    super({ highWaterMark: 64 * 1024 });
    this.result = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.cutShort = reject;
    });
    this.result.catch(() => {});
    this.on('close', () => this.cutShort(new Error(`the dump stream ended before the ${what} did`)));
  }

  /** Reads the next chunk; throws to give up. */
  protected abstract inspect(chunk: Buffer): void;

  /** What was read, once the stream has ended; throws to give up. */
  protected abstract finish(): T;

  /** Whether an error thrown by `inspect` or `finish` means the bytes cannot be read; any other is thrown on. */
  protected isUnreadable(_error: unknown): boolean {
    return true;
  }

  /** Stops reading for good, with the reason `result` will give; a subclass may free what it kept. */
  protected giveUp(reason: string): void {
    this.unreadable = reason;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.unreadable === undefined) this.attempt(() => this.inspect(chunk));
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    let value: T | undefined;
    if (this.unreadable === undefined) this.attempt(() => (value = this.finish()));
    this.settle(this.unreadable ?? (value as T));
    callback();
  }

  private attempt(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (!this.isUnreadable(error)) throw error;
      this.giveUp((error as Error).message);
    }
  }
}
