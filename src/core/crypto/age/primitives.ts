import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { VyaError } from '@vya/plugin-api';

export const TAG_BYTES = 16;
const ZERO_NONCE = Buffer.alloc(12);

export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** ChaCha20-Poly1305 with a zero nonce: how age wraps a file key under a one-time key. */
export function sealKey(key: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: TAG_BYTES });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Undoes sealKey; undefined when the key is not the right one (or the body was altered). */
export function openKey(key: Uint8Array, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** age's base64: standard alphabet, no padding, canonical (re-encoding gives the same text). */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/=+$/, '');
}

export function decodeBase64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) throw headerFailure('invalid base64 (padding, line break or a character outside the alphabet)');
  const bytes = Buffer.from(text, 'base64');
  if (encodeBase64(bytes) !== text) throw headerFailure('non-canonical base64');
  return bytes;
}

/**
 * The failure classes of the age spec (and of its test vectors): the header does not parse, no
 * identity unwraps the file key (AGE_NO_MATCH), the header MAC is wrong, the payload does not
 * authenticate to its end. Each has its own code, so a parse error is never reported as a MAC error.
 */
export function headerFailure(detail: string): VyaError {
  return new VyaError(`age: invalid header: ${detail}`, { code: 'AGE_HEADER_INVALID', hint: 'the encrypted object is damaged, truncated or not an age file' });
}

export function macFailure(): VyaError {
  return new VyaError('age: header MAC mismatch: the header was altered after encryption', { code: 'AGE_HEADER_MAC', hint: 'the encrypted object was tampered with or damaged; restore from another snapshot' });
}

export function payloadFailure(detail: string): VyaError {
  return new VyaError(`age: invalid payload: ${detail}`, { code: 'AGE_PAYLOAD_INVALID', hint: 'the encrypted object is damaged, truncated or was tampered with; nothing after the last authenticated chunk was released' });
}
