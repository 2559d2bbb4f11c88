import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { VyaError } from '@vya/plugin-api';

const VERSION = 0x80;

/**
 * Fernet (the spec at github.com/fernet/spec): version 0x80, 64-bit timestamp, 128-bit IV,
 * AES-128-CBC with PKCS#7, HMAC-SHA256 over all of it, base64url. The 32-byte key is the
 * signing key followed by the encryption key. Token age (TTL) is not enforced: vault tokens
 * are long-lived by design.
 */
export function fernetDecrypt(token: string, key: Buffer): Buffer {
  const data = decodeBase64Url(token.trim());
  if (data.length < 1 + 8 + 16 + 16 + 32 || (data.length - 57) % 16 !== 0) throw invalidToken('wrong length');
  if (data[0] !== VERSION) throw invalidToken('unknown version');
  const signed = data.subarray(0, data.length - 32);
  const mac = createHmac('sha256', key.subarray(0, 16)).update(signed).digest();
  if (!timingSafeEqual(mac, data.subarray(data.length - 32))) throw invalidToken('bad signature (wrong key, or the token was altered)');
  const iv = data.subarray(9, 25);
  const decipher = createDecipheriv('aes-128-cbc', key.subarray(16, 32), iv);
  try {
    return Buffer.concat([decipher.update(data.subarray(25, data.length - 32)), decipher.final()]);
  } catch {
    throw invalidToken('bad padding');
  }
}

export function fernetEncrypt(plaintext: Buffer, key: Buffer, options: { iv?: Buffer; time?: Date } = {}): string {
  const iv = options.iv ?? randomBytes(16);
  const header = Buffer.alloc(9);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(Math.floor((options.time ?? new Date()).getTime() / 1000)), 1);
  const cipher = createCipheriv('aes-128-cbc', key.subarray(16, 32), iv);
  const signed = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sha256', key.subarray(0, 16)).update(signed).digest();
  // Padded base64url, as Python's urlsafe_b64encode writes it.
  return Buffer.concat([signed, mac]).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

export function fernetKey(base64url: string): Buffer {
  const key = decodeBase64Url(base64url);
  if (key.length !== 32) throw new VyaError('a Fernet key is 32 bytes of base64url', { code: 'BAD_KEY' });
  return key;
}

function decodeBase64Url(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) throw invalidToken('not base64url');
  return Buffer.from(text, 'base64url');
}

function invalidToken(why: string): VyaError {
  return new VyaError(`invalid Fernet token: ${why}`, { code: 'FERNET_INVALID', hint: 'check the hostname the legacy vault was created on (--vault-hostname)' });
}
