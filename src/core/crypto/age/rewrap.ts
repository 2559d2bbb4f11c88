import { Transform, type TransformCallback } from 'node:stream';
import { VyaError } from '@vya/plugin-api';
import { encodeHeader, parseHeader, unwrapFileKey, x25519Stanza, type ParsedHeader, type UnwrapKeys } from './header.js';
import { headerFailure } from './primitives.js';

const MAX_HEADER = 1024 * 1024;
const NONCE_BYTES = 16;

/** Who may open the file after the rewrap: X25519 recipients only (age forbids mixing in a passphrase). */
export interface RewrapTarget {
  recipients: string[];
}

/**
 * A new header for the same file key: the old header's MAC is checked while the file key is
 * unwrapped (so a tampered header is refused, never re-signed), then every recipient gets a
 * fresh X25519 stanza and the MAC is computed again under the file key. The payload after the
 * header depends only on the file key and its nonce, so it stays valid byte for byte.
 */
export function rewrapHeader(header: ParsedHeader, keys: UnwrapKeys, target: RewrapTarget): Buffer {
  if (target.recipients.length === 0) throw new VyaError('age: a rewrap needs at least one recipient', { code: 'AGE_BAD_RECIPIENT', hint: 'an age file with no recipient could never be opened again' });
  const fileKey = unwrapFileKey(header, keys);
  return encodeHeader(
    fileKey,
    target.recipients.map((recipient) => x25519Stanza(fileKey, recipient)),
  );
}

/**
 * Streams an age file with its header replaced by a rewrapped one; every byte after the old
 * header (the payload nonce and the sealed chunks) passes through untouched. Buffers only the
 * header (at most 1 MiB) and the nonce.
 */
export class AgeHeaderRewrap extends Transform {
  /** Sizes of the old and the new header, known once the header has passed. */
  oldHeaderBytes = 0;
  newHeaderBytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private headerDone = false;

  constructor(
    private readonly keys: UnwrapKeys,
    private readonly target: RewrapTarget,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.headerDone) return callback(null, chunk);
    try {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.tryHeader();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (!this.headerDone) return callback(headerFailure(this.pendingBytes === 0 ? 'empty input' : 'truncated (header or payload nonce incomplete)'));
    callback();
  }

  private tryHeader(): void {
    const buffered = Buffer.concat(this.pending);
    const header = parseHeader(buffered);
    // Held back until the payload nonce is there too, as decryption does: a file cut there is refused whole.
    if (!header || buffered.length < header.length + NONCE_BYTES) {
      if (!header && buffered.length > MAX_HEADER) throw headerFailure('larger than 1 MiB');
      this.pending = [buffered];
      return;
    }
    const rewrapped = rewrapHeader(header, this.keys, this.target);
    this.oldHeaderBytes = header.length;
    this.newHeaderBytes = rewrapped.length;
    this.headerDone = true;
    this.pending = [];
    this.push(rewrapped);
    if (buffered.length > header.length) this.push(buffered.subarray(header.length));
  }
}
