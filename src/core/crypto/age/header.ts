import { generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { VyaError } from '@vya/plugin-api';
import { parseIdentity, parseRecipient, privateKeyObject, publicKeyOf, x25519 } from './keys.js';
import { decodeBase64, encodeBase64, hkdf, headerFailure, hmacSha256, macFailure, openKey, sameBytes, sealKey } from './primitives.js';

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

/** A stanza type or argument: one or more printable ASCII characters (VCHAR, 0x21-0x7E). */
const ARBITRARY_STRING = /^[\x21-\x7e]+$/;
/** The MAC line: '--- ' and exactly 43 base64 characters (32 bytes, unpadded). */
const MAC_LINE = /^--- ([A-Za-z0-9+/]{43})$/;

/**
 * Parses a header from the start of `data` as strictly as the age spec asks; undefined when more
 * bytes are needed. Throws AGE_HEADER_INVALID for anything the spec's grammar does not allow.
 */
export function parseHeader(data: Buffer): ParsedHeader | undefined {
  checkVersionLine(data);
  const end = findHeaderEnd(data);
  if (end === undefined) return undefined;
  const text = data.subarray(0, end).toString('latin1');
  const lines = text.split('\n').slice(0, -1);
  const stanzas: Stanza[] = [];
  let i = 1;
  while (i < lines.length - 1) {
    const { stanza, next } = parseStanza(lines, i);
    stanzas.push(stanza);
    i = next;
  }
  const macLine = lines[lines.length - 1];
  const mac = MAC_LINE.exec(macLine);
  if (!mac) throw headerFailure('malformed MAC line');
  const macInputLength = end - macLine.length - 1 + 3;
  return { stanzas, macInput: data.subarray(0, macInputLength), mac: decodeBase64(mac[1]), length: end };
}

function checkVersionLine(data: Buffer): void {
  const expected = `${VERSION_LINE}\n`;
  const seen = data.subarray(0, expected.length).toString('latin1');
  if (!expected.startsWith(seen)) throw headerFailure('not an age v1 file (unknown version line)');
}

/** One stanza from lines[at]: '-> type args...', then base64 body lines of 64 columns and a shorter last one. */
function parseStanza(lines: string[], at: number): { stanza: Stanza; next: number } {
  const line = lines[at];
  if (!line.startsWith('-> ')) throw headerFailure('expected a stanza line ("-> ...") or the MAC line');
  const [type, ...args] = line.slice(3).split(' ');
  if (![type, ...args].every((part) => ARBITRARY_STRING.test(part))) throw headerFailure('stanza type or argument empty or not printable ASCII');
  const bodyLines: string[] = [];
  let i = at + 1;
  for (; ; i++) {
    if (i >= lines.length - 1) throw headerFailure('stanza body not terminated by a short line');
    if (lines[i].length > COLUMNS) throw headerFailure('stanza body line longer than 64 columns');
    bodyLines.push(lines[i]);
    if (lines[i].length < COLUMNS) break;
  }
  return { stanza: { type, args, body: decodeBase64(bodyLines.join('')) }, next: i + 1 };
}

/** Recovers the file key from the stanzas with the given identities or passphrase, then checks the MAC. */
export function unwrapFileKey(header: ParsedHeader, keys: UnwrapKeys): Buffer {
  if (header.stanzas.some((stanza) => stanza.type === 'scrypt') && header.stanzas.length !== 1) throw headerFailure('a scrypt stanza must be the only stanza');
  const fileKey = keys.passphrase !== undefined ? unwrapWithPassphrase(header.stanzas, keys.passphrase, keys.maxScryptLogN ?? 22) : unwrapWithIdentities(header.stanzas, keys.identities ?? []);
  const expected = hmacSha256(hkdf(fileKey, Buffer.alloc(0), 'header'), header.macInput);
  if (!sameBytes(expected, header.mac)) throw macFailure();
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
      if (stanza.args.length !== 1) throw headerFailure('malformed X25519 stanza');
      const share = decodeBase64(stanza.args[0]);
      if (share.length !== 32 || stanza.body.length !== FILE_KEY_BYTES + 16) throw headerFailure('malformed X25519 stanza');
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
  const [saltText, logNText] = scrypt[0].args;
  if (scrypt[0].args.length !== 2 || !/^[1-9][0-9]?$/.test(logNText ?? '')) throw headerFailure('malformed scrypt stanza');
  const salt = decodeBase64(saltText);
  const logN = Number(logNText);
  if (salt.length !== 16 || scrypt[0].body.length !== FILE_KEY_BYTES + 16) throw headerFailure('malformed scrypt stanza');
  if (logN > maxLogN) throw new VyaError(`age: scrypt work factor 2^${logN} exceeds the limit 2^${maxLogN}`, { code: 'AGE_HEADER_INVALID', hint: 'refusing to spend that much memory and time' });
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
