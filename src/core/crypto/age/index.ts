import type { Transform } from 'node:stream';
import { AgeDecryptStream, AgeEncryptStream, type EncryptOptions } from './payload-stream.js';
import { VERSION_LINE } from './header.js';

export { generateX25519Identity, parseIdentityFile, parseRecipient, recipientOf } from './keys.js';

/** Encrypts to age recipients (`age1...`) or a passphrase (scrypt, default work factor 2^18). */
export function createAgeEncryptStream(options: EncryptOptions): Transform {
  return new AgeEncryptStream(options);
}

/** Decrypts with identities (`AGE-SECRET-KEY-1...`) or a passphrase; fails on any tampering. */
export function createAgeDecryptStream(options: { identities?: string[]; passphrase?: string; maxScryptLogN?: number }): Transform {
  return new AgeDecryptStream(options);
}

export function isAgeHeader(firstBytes: Buffer): boolean {
  return firstBytes.subarray(0, VERSION_LINE.length + 1).toString('latin1') === `${VERSION_LINE}\n`;
}
