import { generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { VyaError } from '../../../plugin-api/index.js';
import { parseIdentity, parseRecipient, privateKeyObject, publicKeyOf, x25519 } from './keys.js';
import { corrupt, decodeBase64, encodeBase64, hkdf, hmacSha256, openKey, sameBytes, sealKey } from './primitives.js';

export const VERSION_LINE = 'age-encryption.org/v1';
const X25519_INFO = 'age-encryption.org/v1/X25519';
const SCRYPT_SALT_LABEL = 'age-encryption.org/v1/scrypt';
const FILE_KEY_BYTES = 16;
const COLUMNS = 64;

export interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

export interface UnwrapKeys {
  identities?: string[];
  passphrase?: string;
  maxScryptLogN?: number;
}

/** The X25519 stanza for one recipient: an ephemeral share and the file key sealed to it. */
export function x25519Stanza(fileKey: Buffer, recipient: string): Stanza {
  const theirs = parseRecipient(recipient);
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const share = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const shared = x25519(privateKey, theirs);
  const wrapKey = hkdf(shared, Buffer.concat([share, theirs]), X25519_INFO);
  return { type: 'X25519', args: [encodeBase64(share)], body: sealKey(wrapKey, fileKey) };
}

export function scryptStanza(fileKey: Buffer, passphrase: string, logN: number): Stanza {
  const salt = randomBytes(16);
  const key = scryptKey(passphrase, salt, logN);
  return { type: 'scrypt', args: [encodeBase64(salt), String(logN)], body: sealKey(key, fileKey) };
}

/** The whole header text, MAC included, for a file key and its stanzas. */
export function encodeHeader(fileKey: Buffer, stanzas: Stanza[]): Buffer {
  let text = `${VERSION_LINE}\n`;
  for (const stanza of stanzas) text += encodeStanza(stanza);
  text += '---';
  const mac = hmacSha256(hkdf(fileKey, Buffer.alloc(0), 'header'), Buffer.from(text, 'latin1'));
  return Buffer.from(`${text} ${encodeBase64(mac)}\n`, 'latin1');
}

function encodeStanza(stanza: Stanza): string {
  const body = encodeBase64(stanza.body);
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += COLUMNS) lines.push(body.slice(i, i + COLUMNS));
  if (body.length % COLUMNS === 0) lines.push('');
  return `-> ${[stanza.type, ...stanza.args].join(' ')}\n${lines.join('\n')}\n`;
}

export interface ParsedHeader {
  stanzas: Stanza[];
  /** The bytes the MAC covers: everything up to and including '---'. */
  macInput: Buffer;
  mac: Buffer;
  /** Total header length in bytes, including the final newline. */
  length: number;
}

/** Parses a header from the start of `data`; undefined when more bytes are needed. */
export function parseHeader(data: Buffer): ParsedHeader | undefined {
  const end = findHeaderEnd(data);
  if (end === undefined) return undefined;
  const text = data.subarray(0, end).toString('latin1');
  const lines = text.split('\n');
  if (lines[0] !== VERSION_LINE) throw corrupt('not an age v1 file');
  const stanzas: Stanza[] = [];
  let i = 1;
  while (lines[i].startsWith('-> ')) {
    const [type, ...args] = lines[i].slice(3).split(' ');
    if (!type || args.some((arg) => arg === '')) throw corrupt('malformed stanza');
    const bodyLines: string[] = [];
    for (i++; ; i++) {
      if (i >= lines.length - 1) throw corrupt('unterminated stanza');
      bodyLines.push(lines[i]);
      if (lines[i].length > COLUMNS) throw corrupt('stanza line too long');
      if (lines[i].length < COLUMNS) break;
    }
    stanzas.push({ type, args, body: decodeBase64(bodyLines.join('')) });
    i++;
  }
  const macLine = lines[i];
  if (i !== lines.length - 2 || !macLine.startsWith('--- ')) throw corrupt('malformed header');
  const macInputLength = text.length - macLine.length - 1 + 3;
  return { stanzas, macInput: data.subarray(0, macInputLength), mac: decodeBase64(macLine.slice(4)), length: end };
}

/** Recovers the file key from the stanzas with the given identities or passphrase, then checks the MAC. */
export function unwrapFileKey(header: ParsedHeader, keys: UnwrapKeys): Buffer {
  const fileKey = keys.passphrase !== undefined ? unwrapWithPassphrase(header.stanzas, keys.passphrase, keys.maxScryptLogN ?? 22) : unwrapWithIdentities(header.stanzas, keys.identities ?? []);
  const expected = hmacSha256(hkdf(fileKey, Buffer.alloc(0), 'header'), header.macInput);
  if (!sameBytes(expected, header.mac)) throw corrupt('header MAC mismatch');
  return fileKey;
}

function unwrapWithIdentities(stanzas: Stanza[], identities: string[]): Buffer {
  if (stanzas.some((stanza) => stanza.type === 'scrypt')) {
    throw new VyaError('age: the file is encrypted with a passphrase, not to a recipient', { code: 'AGE_NO_MATCH', hint: 'decrypt it with its passphrase' });
  }
  for (const identity of identities) {
    const secret = parseIdentity(identity);
    const ours = publicKeyOf(secret);
    const privateKey = privateKeyObject(secret);
    for (const stanza of stanzas.filter((s) => s.type === 'X25519')) {
      if (stanza.args.length !== 1) throw corrupt('malformed X25519 stanza');
      const share = decodeBase64(stanza.args[0]);
      if (share.length !== 32 || stanza.body.length !== FILE_KEY_BYTES + 16) throw corrupt('malformed X25519 stanza');
      const wrapKey = hkdf(x25519(privateKey, share), Buffer.concat([share, ours]), X25519_INFO);
      const fileKey = openKey(wrapKey, stanza.body);
      if (fileKey) return fileKey;
    }
  }
  throw new VyaError('age: no identity matches any recipient of the file', {
    code: 'AGE_NO_MATCH',
    hint: 'pass the identity that matches one of the recipients the backup was encrypted to (--identity FILE)',
  });
}

function unwrapWithPassphrase(stanzas: Stanza[], passphrase: string, maxLogN: number): Buffer {
  const scrypt = stanzas.filter((stanza) => stanza.type === 'scrypt');
  if (scrypt.length === 0) throw new VyaError('age: the file is encrypted to recipients, not with a passphrase', { code: 'AGE_NO_MATCH', hint: 'decrypt it with an identity (--identity FILE)' });
  if (stanzas.length !== 1) throw corrupt('a scrypt stanza must be the only stanza');
  const [saltText, logNText] = scrypt[0].args;
  if (scrypt[0].args.length !== 2 || !/^[1-9][0-9]?$/.test(logNText ?? '')) throw corrupt('malformed scrypt stanza');
  const salt = decodeBase64(saltText);
  const logN = Number(logNText);
  if (salt.length !== 16 || scrypt[0].body.length !== FILE_KEY_BYTES + 16) throw corrupt('malformed scrypt stanza');
  if (logN > maxLogN) throw new VyaError(`age: scrypt work factor 2^${logN} exceeds the limit 2^${maxLogN}`, { code: 'AGE_CORRUPT', hint: 'refusing to spend that much memory and time' });
  const fileKey = openKey(scryptKey(passphrase, salt, logN), scrypt[0].body);
  if (!fileKey) throw new VyaError('age: wrong passphrase', { code: 'AGE_BAD_PASSPHRASE', hint: "check the job's encryption passphrase secret" });
  return fileKey;
}

function scryptKey(passphrase: string, salt: Buffer, logN: number): Buffer {
  const N = 2 ** logN;
  return scryptSync(Buffer.from(passphrase, 'utf8'), Buffer.concat([Buffer.from(SCRYPT_SALT_LABEL), salt]), 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 + 1024 * 1024 });
}

/** Index just past the '--- mac\n' line, or undefined when it has not arrived yet. */
function findHeaderEnd(data: Buffer): number | undefined {
  let from = 0;
  for (;;) {
    const at = data.indexOf('\n---', from, 'latin1');
    if (at < 0) return undefined;
    const newline = data.indexOf('\n', at + 4);
    if (newline < 0) return undefined;
    if (data[at + 4] === 0x20 || newline === at + 4) return newline + 1;
    from = at + 1;
  }
}
