import { readdirSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';

/**
 * File names are bytes on Linux, and not every name is valid UTF-8 (a tree written under a
 * Latin-1 locale, say). Node decodes a name it reads into a string and replaces each invalid
 * byte with U+FFFD, so the file could not be found again under that string: a backup would
 * miss it. vya carries such a name as a string in which each byte that is not part of valid
 * UTF-8 stands as the lone surrogate U+DC80 + byte (Python's "surrogateescape"). No valid
 * UTF-8 decodes to a lone surrogate, so the string maps back to exactly the original bytes
 * (`fsPath`), `/` and `..` keep their meaning, and JSON.stringify writes it as `\udcXX`
 * escapes that JSON.parse reads back.
 */

const REPLACEMENT = '\uFFFD';
const ESCAPE_BASE = 0xdc00;
// With the u flag a surrogate pair is one code point: only lone surrogates match.
const ESCAPED = /[\udc80-\udcff]/u;

/**
 * Whether text decoded from a name (by Node, or by npm tar) may have lost bytes: each invalid
 * one became U+FFFD. A real U+FFFD in a name looks the same, and decodes the same below.
 */
export function hasReplacedBytes(text: string): boolean {
  return text.includes(REPLACEMENT);
}

/** The name of `bytes[start, end)`: the UTF-8 text, with any invalid byte escaped. */
export function decodeFileName(bytes: Buffer, start = 0, end = bytes.length): string {
  const text = bytes.toString('utf8', start, end);
  return hasReplacedBytes(text) ? decodeEscaping(bytes, start, end) : text;
}

/** What to hand node:fs for a name or path of `decodeFileName`: the original bytes. */
export function fsPath(path: string): string | Buffer {
  if (!hasEscapedBytes(path)) return path;
  const parts: Buffer[] = [];
  let plain = '';
  for (const char of path) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xdc80 && code <= 0xdcff) {
      parts.push(Buffer.from(plain, 'utf8'), Buffer.from([code - ESCAPE_BASE]));
      plain = '';
    } else plain += char;
  }
  parts.push(Buffer.from(plain, 'utf8'));
  return Buffer.concat(parts);
}

/** The bytes of a name or path of `decodeFileName`. */
export function fileNameBytes(path: string): Buffer {
  const bytes = fsPath(path);
  return typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
}

/** Whether a name holds bytes that are not UTF-8 (escaped by `decodeFileName`). */
export function hasEscapedBytes(path: string): boolean {
  return ESCAPED.test(path);
}

/**
 * A directory's entries with their names as `decodeFileName` gives them; `escaped` when it was
 * read as bytes, the only way a name with escapes comes out.
 */
export function readDirectorySync(path: string): { entries: Dirent[]; escaped: boolean } {
  const entries = readdirSync(fsPath(path), { withFileTypes: true });
  // Only a directory with a name Node could not decode is read again, as bytes.
  if (!entries.some((entry) => hasReplacedBytes(entry.name))) return { entries, escaped: false };
  return { entries: readdirSync(fsPath(path) as Buffer, { withFileTypes: true, encoding: 'buffer' }).map((entry) => withDecodedName(entry)), escaped: true };
}

/** The names in a directory, as `decodeFileName` gives them. */
export async function readDirectoryNames(path: string): Promise<string[]> {
  const names = await readdir(fsPath(path));
  if (!names.some((name) => hasReplacedBytes(name))) return names;
  return (await readdir(fsPath(path) as Buffer, { encoding: 'buffer' })).map((name) => decodeFileName(name));
}

function withDecodedName(entry: Dirent<Buffer>): Dirent {
  return Object.assign(entry, { name: decodeFileName(entry.name) }) as unknown as Dirent;
}

/** UTF-8 decoding by the Unicode rules (no overlong forms, no surrogates, nothing past U+10FFFF), escaping every byte outside a valid sequence. */
function decodeEscaping(bytes: Buffer, start: number, end: number): string {
  let text = '';
  let at = start;
  while (at < end) {
    const length = validSequenceLength(bytes, at, end);
    if (length === 0) {
      text += String.fromCharCode(ESCAPE_BASE + bytes[at]);
      at++;
    } else {
      text += bytes.toString('utf8', at, at + length);
      at += length;
    }
  }
  return text;
}

/** The length of the valid UTF-8 sequence at `at`, or 0 when the byte there starts none. */
function validSequenceLength(bytes: Buffer, at: number, end: number): number {
  const lead = bytes[at];
  if (lead < 0x80) return 1;
  const [length, low, high] = sequenceShape(lead);
  if (length === 0 || at + length > end) return 0;
  // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
  if (bytes[at + 1] < low || bytes[at + 1] > high) return 0;
  for (let i = 2; i < length; i++) if ((bytes[at + i] & 0xc0) !== 0x80) return 0;
  return length;
}

/** Sequence length and allowed range of the second byte for a lead byte (Unicode table 3-7). */
function sequenceShape(lead: number): [number, number, number] {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  return [0, 0, 0];
}
