import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { decodeFileName, fileNameBytes, fsPath, hasEscapedBytes, readDirectoryNames, readDirectorySync } from '../src/file-names.js';

const bytes = (...values: number[]) => Buffer.from(values);
const roundTrip = (input: Buffer) => fileNameBytes(decodeFileName(input));

/** A small deterministic generator: the same byte strings on every run. */
function* randomNames(count: number): Generator<Buffer> {
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  for (let i = 0; i < count; i++) yield Buffer.from(Array.from({ length: 1 + (next() % 12) }, () => next() % 256));
}

describe('files: names that are not UTF-8 (file-names.ts)', () => {
  it('leaves valid UTF-8 as it is, a real U+FFFD included', () => {
    for (const name of ['plain.txt', 'ünïcode-名前', '😀 emoji', 'new\nline', '\u{10080} (a pair whose low half is U+DC80)', 'real \uFFFD']) {
      expect(decodeFileName(Buffer.from(name))).to.equal(name);
      expect(hasEscapedBytes(name), name).to.equal(false);
      expect(fsPath(name)).to.equal(name);
    }
  });

  it('escapes each invalid byte as U+DC80 + byte, and keeps the valid text around it', () => {
    expect(decodeFileName(bytes(0x63, 0x61, 0x66, 0xe9))).to.equal('caf\udce9');
    expect(decodeFileName(Buffer.concat([Buffer.from('é'), bytes(0xff), Buffer.from('/x')]))).to.equal('é\udcff/x');
    expect(hasEscapedBytes('caf\udce9')).to.equal(true);
  });

  it('escapes what the Unicode rules forbid: overlong forms, encoded surrogates, code points past U+10FFFF, cut sequences', () => {
    expect(decodeFileName(bytes(0xc0, 0xaf))).to.equal('\udcc0\udcaf');
    expect(decodeFileName(bytes(0xe0, 0x80, 0xaf))).to.equal('\udce0\udc80\udcaf');
    expect(decodeFileName(bytes(0xed, 0xa0, 0x80))).to.equal('\udced\udca0\udc80');
    expect(decodeFileName(bytes(0xf4, 0x90, 0x80, 0x80))).to.equal('\udcf4\udc90\udc80\udc80');
    expect(decodeFileName(bytes(0x61, 0xe2, 0x82))).to.equal('a\udce2\udc82');
    // An ASCII byte after a broken lead byte is never swallowed: '/' and '..' keep their meaning.
    expect(decodeFileName(bytes(0xe2, 0x2f, 0x2e, 0x2e))).to.equal('\udce2/..');
  });

  it('gives back exactly the bytes it was given, for every single byte and for random names', () => {
    for (let byte = 0; byte < 256; byte++) expect(roundTrip(bytes(0x61, byte, 0x62)).equals(bytes(0x61, byte, 0x62)), `byte ${byte}`).to.equal(true);
    for (const name of randomNames(5000)) expect(roundTrip(name).equals(name), name.toString('hex')).to.equal(true);
  });

  it('decodes a part of a buffer', () => {
    const block = Buffer.concat([bytes(0xe9, 0x2f), Buffer.from('dir/caf'), bytes(0xe9), Buffer.from('\0\0')]);
    expect(decodeFileName(block, 2, 10)).to.equal('dir/caf\udce9');
  });

  describe('reading a directory', () => {
    let root: string;
    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'vya-names-'));
      await mkdir(join(root, 'utf8'));
      await writeFile(join(root, 'utf8', 'é.txt'), 'e');
      await mkdir(Buffer.from(`${root}/lat\xe9`, 'latin1'));
      await writeFile(Buffer.from(`${root}/lat\xe9/caf\xe9`, 'latin1'), 'c');
    });
    after(async () => rm(root, { recursive: true, force: true }));

    it('names a directory of UTF-8 names as Node does, and one that is not with escapes that open it', async () => {
      const names = (path: string) => readDirectorySync(path).entries.map((entry) => entry.name);
      expect(names(join(root, 'utf8'))).to.deep.equal(['é.txt']);
      expect(readDirectorySync(join(root, 'utf8')).escaped).to.equal(false);
      expect(names(root).sort()).to.deep.equal(['lat\udce9', 'utf8']);
      expect(readDirectorySync(root).escaped).to.equal(true);
      const latin = readDirectorySync(root).entries.find((entry) => entry.name === 'lat\udce9');
      expect(latin?.isDirectory()).to.equal(true);
      expect(names(join(root, 'lat\udce9'))).to.deep.equal(['caf\udce9']);
      expect(await readDirectoryNames(join(root, 'lat\udce9'))).to.deep.equal(['caf\udce9']);
    });
  });
});
