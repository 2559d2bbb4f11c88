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
 * The last `holdBackBytes` are released only after the check passed: a consumer never sees
 * the end of the data before the verdict, so a tool that commits once it has read everything
 * it needs (pg_restore in one transaction, tar's last entry) cannot commit damaged bytes.
 */
export class ChecksumVerifier extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly held: Buffer[] = [];
  private heldBytes = 0;

  constructor(
    private readonly expectedSha256: string,
    private readonly expectedBytes: number,
    private readonly what: string,
    private readonly holdBackBytes = 0,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    while (this.held.length > 0 && this.heldBytes - this.held[0].length >= this.holdBackBytes) {
      const released = this.held.shift() as Buffer;
      this.heldBytes -= released.length;
      this.push(released);
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (this.bytes !== this.expectedBytes || actual !== this.expectedSha256) {
      callback(new ChecksumMismatchError(this.what, this.bytes, this.expectedBytes));
      return;
    }
    for (const chunk of this.held.splice(0)) this.push(chunk);
    callback();
  }
}

/** Fails at the end when the plain bytes that flowed differ in number from the manifest's raw_bytes. */
export class LengthCheck extends ByteMeter {
  constructor(
    private readonly expectedBytes: number,
    private readonly what: string,
  ) {
    super();
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.expectedBytes) {
      callback(new ChecksumMismatchError(this.what, this.bytes, this.expectedBytes, 'decompressed size differs'));
      return;
    }
    callback();
  }
}

export class ChecksumMismatchError extends Error {
  readonly code = 'CHECKSUM_MISMATCH';
  constructor(what: string, actualBytes: number, expectedBytes: number, difference = 'sha256 or size differ') {
    super(`${what}: stored object does not match its manifest (${difference}: ${actualBytes} bytes read, ${expectedBytes} recorded)`);
  }
}
