import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { VyaError } from '@vya/plugin-api';
import { encodeHeader, parseHeader, scryptStanza, unwrapFileKey, x25519Stanza, type UnwrapKeys } from './header.js';
import { headerFailure, hkdf, payloadFailure, TAG_BYTES } from './primitives.js';

/** age STREAM: 64 KiB plaintext chunks, each sealed with ChaCha20-Poly1305 under a counter nonce. */
const CHUNK = 64 * 1024;
const SEALED_CHUNK = CHUNK + TAG_BYTES;
const NONCE_BYTES = 16;
const MAX_HEADER = 1024 * 1024;

export interface EncryptOptions {
  recipients?: string[];
  passphrase?: string;
  scryptLogN?: number;
}

/** Counter nonce: 11-byte big-endian chunk number, then 0x01 on the last chunk. */
function chunkNonce(counter: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(Math.floor(counter / 2 ** 32), 3);
  nonce.writeUInt32BE(counter >>> 0, 7);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

export class AgeEncryptStream extends Transform {
  private readonly key: Buffer;
  private readonly staging = Buffer.allocUnsafe(CHUNK);
  private staged = 0;
  private counter = 0;
  private headerSent = false;
  private readonly header: Buffer;

  constructor(options: EncryptOptions) {
    super({ readableHighWaterMark: 4 * SEALED_CHUNK });
    const fileKey = randomBytes(16);
    const stanzas = options.passphrase !== undefined ? [scryptStanza(fileKey, options.passphrase, options.scryptLogN ?? 18)] : (options.recipients ?? []).map((r) => x25519Stanza(fileKey, r));
    if (stanzas.length === 0) throw new VyaError('age: no recipients', { code: 'AGE_BAD_RECIPIENT', hint: 'give at least one recipient or a passphrase' });
    const nonce = randomBytes(NONCE_BYTES);
    this.header = Buffer.concat([encodeHeader(fileKey, stanzas), nonce]);
    this.key = hkdf(fileKey, nonce, 'payload');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sendHeader();
    let offset = 0;
    while (offset < chunk.length) {
      // A full staged chunk is sealed only once more data arrives: only then is it known not to be the last.
      if (this.staged === CHUNK) this.seal(false);
      const take = Math.min(CHUNK - this.staged, chunk.length - offset);
      chunk.copy(this.staging, this.staged, offset, offset + take);
      this.staged += take;
      offset += take;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.sendHeader();
    this.seal(true);
    callback();
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.push(this.header);
  }

  private seal(last: boolean): void {
    const cipher = createCipheriv('chacha20-poly1305', this.key, chunkNonce(this.counter++, last), { authTagLength: TAG_BYTES });
    const body = cipher.update(this.staging.subarray(0, this.staged));
    cipher.final();
    this.push(body);
    this.push(cipher.getAuthTag());
    this.staged = 0;
  }
}

/** The plaintext of one chunk, or undefined when it does not authenticate under that nonce. */
function openChunk(key: Buffer, counter: number, last: boolean, sealed: Buffer): Buffer | undefined {
  const decipher = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return plain;
}

export class AgeDecryptStream extends Transform {
  private key: Buffer | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;
  private finished = false;

  constructor(private readonly keys: UnwrapKeys) {
    super({ readableHighWaterMark: 4 * CHUNK });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (!this.key && !this.readHeader()) return callback();
      // Keep back at least one sealed chunk: it may be the last, which only the end of input tells.
      while (this.pendingBytes > SEALED_CHUNK) this.open(this.takeBytes(SEALED_CHUNK), false);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.key) throw headerFailure(this.pendingBytes === 0 ? 'empty input' : 'truncated (header or payload nonce incomplete)');
      if (this.pendingBytes === 0 && this.counter === 0) throw payloadFailure('no payload chunk');
      if (this.pendingBytes === 0 && !this.finished) throw payloadFailure('truncated: the final chunk is missing');
      this.open(this.takeBytes(this.pendingBytes), true);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private readHeader(): boolean {
    const buffered = this.takeBytes(this.pendingBytes);
    const header = parseHeader(buffered);
    if (!header) {
      if (buffered.length > MAX_HEADER) throw headerFailure('larger than 1 MiB');
      this.putBack(buffered);
      return false;
    }
    if (buffered.length < header.length + NONCE_BYTES) {
      this.putBack(buffered);
      return false;
    }
    const fileKey = unwrapFileKey(header, this.keys);
    this.key = hkdf(fileKey, buffered.subarray(header.length, header.length + NONCE_BYTES), 'payload');
    this.putBack(buffered.subarray(header.length + NONCE_BYTES));
    return true;
  }

  /**
   * Opens one sealed chunk. A full chunk with more data behind it is tried as a middle chunk
   * and, failing that, as the final one: then the data behind it is trailing data, reported as
   * such. A full chunk at the end that only authenticates as a middle chunk means the file was
   * cut. Either way its authenticated plaintext is released first, as the reference implementation does.
   */
  private open(sealed: Buffer, last: boolean): void {
    if (this.finished) throw payloadFailure('data after the final chunk');
    if (sealed.length < TAG_BYTES) throw payloadFailure('truncated chunk (shorter than its tag)');
    if (last && sealed.length === TAG_BYTES && this.counter > 0) throw payloadFailure('empty final chunk after other chunks');
    const key = this.key as Buffer;
    let final = last;
    let plain = openChunk(key, this.counter, last, sealed);
    if (!plain && !last) {
      final = true;
      plain = openChunk(key, this.counter, true, sealed);
    } else if (!plain && sealed.length === SEALED_CHUNK) {
      plain = openChunk(key, this.counter, false, sealed);
      if (plain) {
        this.push(plain);
        throw payloadFailure('truncated: the final chunk is missing');
      }
    }
    if (!plain) throw payloadFailure(last ? 'the final chunk does not authenticate (altered, truncated or extended)' : `chunk ${this.counter} does not authenticate (altered data)`);
    this.counter++;
    this.push(plain);
    if (final) {
      this.finished = true;
      if (!last) throw payloadFailure('data after the final chunk');
    }
  }

  private putBack(buffer: Buffer): void {
    if (buffer.length === 0) return;
    this.pending.unshift(buffer);
    this.pendingBytes += buffer.length;
  }

  /** Removes and returns the first `bytes` pending bytes, copying only when they span buffers. */
  private takeBytes(bytes: number): Buffer {
    if (bytes === 0) return Buffer.alloc(0);
    const first = this.pending[0];
    if (first.length >= bytes) {
      this.pendingBytes -= bytes;
      if (first.length === bytes) this.pending.shift();
      else this.pending[0] = first.subarray(bytes);
      return first.subarray(0, bytes);
    }
    const out = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const head = this.pending[0];
      const n = Math.min(head.length, bytes - filled);
      head.copy(out, filled, 0, n);
      filled += n;
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
    }
    this.pendingBytes -= bytes;
    return out;
  }
}
