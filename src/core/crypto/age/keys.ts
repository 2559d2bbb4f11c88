import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { bech32 } from '@scure/base';
import { VyaError } from '@vya/plugin-api';

const RECIPIENT_PREFIX = 'age';
const IDENTITY_PREFIX = 'age-secret-key-';
// DER wrappers that turn a raw 32-byte X25519 key into what node:crypto imports.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

export function generateX25519Identity(): { identity: string; recipient: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const secret = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_X25519.length);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);
  return { identity: encodeIdentity(secret), recipient: encodeRecipient(pub) };
}

export function encodeRecipient(publicKey: Uint8Array): string {
  return bech32.encode(RECIPIENT_PREFIX, bech32.toWords(publicKey), 1023);
}

export function encodeIdentity(secretKey: Uint8Array): string {
  return bech32.encode(IDENTITY_PREFIX, bech32.toWords(secretKey), 1023).toUpperCase();
}

/** The 32-byte X25519 public key of an `age1...` recipient. */
export function parseRecipient(text: string): Uint8Array {
  const bytes = decodeBech32(text.trim(), RECIPIENT_PREFIX);
  if (!bytes || bytes.length !== 32) {
    throw new VyaError(`not an age X25519 recipient: "${text.slice(0, 12)}..."`, {
      code: 'AGE_BAD_RECIPIENT',
      hint: 'recipients look like age1... (62 characters), as printed by `age-keygen -y`',
    });
  }
  return bytes;
}

/** The 32-byte X25519 secret of an `AGE-SECRET-KEY-1...` identity. */
export function parseIdentity(text: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = trimmed === trimmed.toUpperCase() ? decodeBech32(trimmed.toLowerCase(), IDENTITY_PREFIX) : undefined;
  if (!bytes || bytes.length !== 32) {
    throw new VyaError('not an age identity (expected AGE-SECRET-KEY-1...)', {
      code: 'AGE_BAD_IDENTITY',
      hint: 'pass an identity file written by `age-keygen` or `vya init`',
    });
  }
  return bytes;
}

export function recipientOf(identity: string): string {
  return encodeRecipient(publicKeyOf(parseIdentity(identity)));
}

/** Identities in an age identity file: one per line; blank lines and # comments ignored. */
export function parseIdentityFile(text: string): string[] {
  const identities: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      parseIdentity(line);
    } catch {
      throw new VyaError(`identity file line ${index + 1} is not an age identity`, {
        code: 'AGE_BAD_IDENTITY',
        hint: 'an identity file holds AGE-SECRET-KEY-1... lines (and # comments), as written by age-keygen',
      });
    }
    identities.push(line);
  }
  if (identities.length === 0) throw new VyaError('identity file holds no identity', { code: 'AGE_BAD_IDENTITY', hint: 'create one with age-keygen' });
  return identities;
}

export function publicKeyOf(secret: Uint8Array): Buffer {
  const key = createPublicKey(privateKeyObject(secret));
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_X25519.length);
}

export function privateKeyObject(secret: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, secret]), format: 'der', type: 'pkcs8' });
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, publicKey]), format: 'der', type: 'spki' });
}

/** X25519(secret, public); rejects the all-zero result of a low-order point, as age requires. */
export function x25519(secret: Uint8Array | KeyObject, publicKey: Uint8Array): Buffer {
  const privateKey = secret instanceof Uint8Array ? privateKeyObject(secret) : secret;
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: publicKeyObject(publicKey) });
  } catch {
    throw new VyaError('age: invalid header: invalid X25519 share', { code: 'AGE_HEADER_INVALID', hint: 'the file header is damaged or was not made by age' });
  }
  if (shared.every((byte) => byte === 0)) throw new VyaError('age: invalid header: X25519 share of low order', { code: 'AGE_HEADER_INVALID', hint: 'the file header is damaged or malicious' });
  return shared;
}

function decodeBech32(text: string, prefix: string): Uint8Array | undefined {
  try {
    const decoded = bech32.decode(text as `${string}1${string}`, 1023);
    if (decoded.prefix !== prefix) return undefined;
    return bech32.fromWords(decoded.words);
  } catch {
    return undefined;
  }
}
