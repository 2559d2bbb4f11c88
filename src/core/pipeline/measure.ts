import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged, counting them (and hashing them when asked). */
export class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash: Hash | undefined;

  constructor(options: { sha256?: boolean; onProgress?: (bytes: number) => void } = {}) {
    super();
    this.hash = options.sha256 ? createHash('sha256') : undefined;
    this.onProgress = options.onProgress;
  }

  private readonly onProgress: ((bytes: number) => void) | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    this.onProgress?.(this.bytes);
    callback(null, chunk);
  }

  digest(): string {
    if (!this.hash) throw new Error('ByteMeter was created without sha256');
    return this.hash.digest('hex');
  }
}

/**
 * Hashes what passes through and fails at the end when the bytes are not the ones the
 * manifest recorded, so a restore or verify never reports success on a corrupted object.
 */
export class ChecksumVerifier extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly expectedSha256: string,
    private readonly expectedBytes: number,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (this.bytes !== this.expectedBytes || actual !== this.expectedSha256) {
      callback(new ChecksumMismatchError(this.what, this.bytes, this.expectedBytes));
      return;
    }
    callback();
  }
}

export class ChecksumMismatchError extends Error {
  readonly code = 'CHECKSUM_MISMATCH';
  constructor(what: string, actualBytes: number, expectedBytes: number) {
    super(`${what}: stored object does not match its manifest (sha256 or size differ: ${actualBytes} bytes read, ${expectedBytes} recorded)`);
  }
}
