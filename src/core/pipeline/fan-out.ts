import { PassThrough, Writable, type Readable } from 'node:stream';

interface Branch {
  stream: PassThrough;
  error?: unknown;
}

/**
 * A Writable that copies every chunk to several readable branches, one per consumer. A chunk
 * is acknowledged only once every attached branch has room again, so the slowest consumer
 * sets the pace and at most about one highWaterMark per branch is buffered. A consumer that
 * fails is detached (its buffer dropped) and the others go on; when none is left, the fan-out
 * fails with the first consumer's error.
 */
export class FanOut extends Writable {
  private readonly branches: Branch[];

  constructor(count: number, options: { highWaterMark?: number } = {}) {
    super({ highWaterMark: options.highWaterMark });
    if (count < 1) throw new RangeError('a fan-out needs at least one branch');
    this.branches = Array.from({ length: count }, () => {
      const stream = new PassThrough({ highWaterMark: options.highWaterMark });
      // A branch's failure is its consumer's to report (its put rejects); unheard, it would crash the process.
      stream.on('error', () => {});
      return { stream };
    });
  }

  /** The stream consumer `index` reads. */
  branch(index: number): Readable {
    return this.branches[index].stream;
  }

  /** Whether consumer `index` is still fed. */
  attached(index: number): boolean {
    return this.branches[index].error === undefined;
  }

  /** Stops feeding consumer `index` (it failed); the last one detached fails the fan-out. */
  detach(index: number, error: unknown): void {
    const branch = this.branches[index];
    if (branch.error !== undefined) return;
    branch.error = error ?? new Error('detached');
    branch.stream.destroy();
    if (this.live().length === 0 && !this.writableFinished) this.destroy(toError(this.branches[0].error));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A consumer may have destroyed its branch before its failure reaches detach: skip it meanwhile.
    const waits = this.live()
      .filter((branch) => !branch.stream.destroyed && !branch.stream.write(chunk))
      .map(roomIn);
    if (waits.length === 0) callback();
    else void Promise.all(waits).then(() => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    for (const branch of this.live()) branch.stream.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // After a normal finish (autoDestroy) the branches still drain to their consumers; after
    // a failure upstream they end with it, so no consumer commits a truncated object.
    if (error) for (const branch of this.live()) branch.stream.destroy(error);
    callback(error);
  }

  private live(): Branch[] {
    return this.branches.filter((branch) => branch.error === undefined);
  }
}

/** Resolves when the branch drains, or is closed (detached or destroyed): never hangs on a dead consumer. */
function roomIn(branch: Branch): Promise<void> {
  return new Promise((resolve) => {
    if (branch.stream.destroyed) return resolve();
    const done = () => {
      branch.stream.off('drain', done);
      branch.stream.off('close', done);
      resolve();
    };
    branch.stream.on('drain', done);
    branch.stream.on('close', done);
  });
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
