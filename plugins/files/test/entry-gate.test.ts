import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { EntryGate, RefusedEntry } from '../src/entry-gate.js';
import type { ScannedEntry } from '../src/tar-scanner.js';

interface HeaderFields {
  path: string;
  type?: string;
  size?: number;
  linkpath?: string;
  mode?: number;
  /** The size field's 12 bytes as written, for malformed numbers. */
  rawSize?: string;
}

/** One ustar header block, written field by field so that it can hold what no tar writes. */
function header(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(512);
  block.write(fields.path, 0, 100, 'utf8');
  block.write(`${(fields.mode ?? 0o644).toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(fields.rawSize ?? `${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 12, 'latin1');
  block.write('14735412400\0', 136, 'latin1');
  block.write(fields.type ?? '0', 156, 'latin1');
  block.write(fields.linkpath ?? '', 157, 100, 'utf8');
  block.write('ustar\x0000', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function padded(body: Buffer): Buffer[] {
  return [body, Buffer.alloc((512 - (body.length % 512)) % 512)];
}

function file(path: string, body = `${path}\n`): Buffer {
  const content = Buffer.from(body);
  return Buffer.concat([header({ path, size: content.length }), ...padded(content)]);
}

function pax(records: Record<string, string>, type = 'x'): Buffer {
  const lines = Object.entries(records).map(([key, value]) => {
    const rest = ` ${key}=${value}\n`;
    let length = rest.length + 1;
    while (String(length).length + rest.length !== length) length++;
    return `${length}${rest}`;
  });
  const body = Buffer.from(lines.join(''));
  return Buffer.concat([header({ path: 'PaxHeaders/x', type, size: body.length }), ...padded(body)]);
}

const END = Buffer.alloc(1024);

interface GateRun {
  passed: Buffer;
  symlinks: ScannedEntry[];
  skipped: string[];
}

async function gate(archive: Buffer, piece = 64 * 1024): Promise<GateRun> {
  const run: GateRun = { passed: Buffer.alloc(0), symlinks: [], skipped: [] };
  const pieces: Buffer[] = [];
  for (let at = 0; at < archive.length; at += piece) pieces.push(archive.subarray(at, at + piece));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    new EntryGate({ onSymlink: (entry) => run.symlinks.push(entry), onSkipped: (path) => run.skipped.push(path.path) }),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  run.passed = Buffer.concat(out);
  return run;
}

async function refusal(archive: Buffer): Promise<Error> {
  try {
    await gate(archive);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the gate passed the archive');
}

/** What GNU tar reads in `archive`: the names, in order. */
function gnuTarNames(archive: Buffer): string[] {
  return execFileSync('tar', ['-tf', '-'], { input: archive, encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('files: EntryGate (what reaches the extracting tar)', () => {
  it('passes an archive GNU tar wrote through unchanged up to its end marker, in pieces of any size', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vya-gate-'));
    try {
      await mkdir(join(root, 'tree', 'dir', 'sub'), { recursive: true });
      await writeFile(join(root, 'tree', 'dir', 'a.txt'), 'a'.repeat(1000));
      await writeFile(join(root, 'tree', `long-${'n'.repeat(150)}.txt`), 'long name\n');
      await writeFile(join(root, 'tree', 'ünïcode.txt'), 'u\n');
      execFileSync('ln', [join(root, 'tree', 'dir', 'a.txt'), join(root, 'tree', 'hard.txt')]);
      for (const format of ['posix', 'gnu']) {
        const archive = execFileSync('tar', ['-cf', '-', `--format=${format}`, '-C', join(root, 'tree'), '.']);
        let end = archive.length;
        while (end > 0 && archive[end - 1] === 0) end--;
        const wanted = archive.subarray(0, Math.ceil(end / 512) * 512 + 1024);
        for (const piece of [1, 7, 511, 512, 513, 65536]) {
          const run = await gate(archive, piece);
          expect(run.passed.equals(wanted), `${format}, pieces of ${piece}`).to.equal(true);
          expect(run.symlinks).to.deep.equal([]);
        }
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('withholds symlinks (reported with their target) and special files (reported by name), whatever precedes them', async () => {
    const longLink = `l-${'x'.repeat(120)}`;
    const archive = Buffer.concat([
      file('a.txt'),
      header({ path: 'to-etc', type: '2', linkpath: '/etc' }),
      pax({ path: longLink, linkpath: '../up' }),
      header({ path: 'short', type: '2', linkpath: 'ignored' }),
      header({ path: 'pipe', type: '6' }),
      header({ path: 'tty', type: '3' }),
      header({ path: 'odd', type: 'Z', size: 3 }),
      ...padded(Buffer.from('zzz')),
      pax({ comment: 'kept' }, 'g'),
      header({ path: 'after-global', type: '2', linkpath: 'x' }),
      header({ path: 'dir/', type: '5', mode: 0o755 }),
      file('dir/b.txt'),
      END,
    ]);
    for (const piece of [1, 100, 512, 65536]) {
      const run = await gate(archive, piece);
      expect(gnuTarNames(run.passed), `pieces of ${piece}`).to.deep.equal(['a.txt', 'dir/', 'dir/b.txt']);
      expect(run.symlinks.map((link) => [link.path, link.linkpath])).to.deep.equal([
        ['to-etc', '/etc'],
        [longLink, '../up'],
        ['after-global', 'x'],
      ]);
      expect(run.skipped).to.deep.equal(['pipe', 'tty', 'odd']);
      // The global header stands alone: passed on although the symlink after it was not.
      expect(run.passed.includes('comment=kept')).to.equal(true);
    }
  });

  it('refuses absolute, "../" and escaping hard-link entries, naming them', async () => {
    for (const [entry, path] of [
      [file('/etc/passwd'), '/etc/passwd'],
      [file('a/../../x'), 'a/../../x'],
      [header({ path: 'h', type: '1', linkpath: '../outside' }), 'h'],
      [Buffer.concat([pax({ path: '../via-pax' }), file('innocent')]), '../via-pax'],
    ] as const) {
      const error = await refusal(Buffer.concat([file('ok.txt'), entry, END]));
      expect(error).to.be.instanceOf(RefusedEntry);
      expect((error as RefusedEntry).path).to.equal(path);
    }
  });

  it('refuses headers that tar readers could read differently', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['two pax headers', Buffer.concat([pax({ path: 'one' }), pax({ path: 'two' }), file('x')]), /two 'x' headers/],
      ['a long name and a pax path', Buffer.concat([header({ path: '././@LongLink', type: 'L', size: 6 }), ...padded(Buffer.from('long1\0')), pax({ path: 'other' }), file('x')]), /both a GNU long name and a pax name/],
      ['a directory with content', Buffer.concat([header({ path: 'd/', type: '5', size: 512 }), file('hidden-in-content'), file('x')]), /Directory entry with 512 bytes/],
      ['a hard link with content', Buffer.concat([file('t'), header({ path: 'h', type: '1', linkpath: 't', size: 512 }), Buffer.alloc(512)]), /Link entry with 512 bytes/],
      ['a sparse file', Buffer.concat([pax({ 'GNU.sparse.name': 'x', 'GNU.sparse.realsize': '10' }), file('y')]), /GNU\.sparse\.name/],
      ['a global size', Buffer.concat([pax({ size: '0' }, 'g'), file('x')]), /sets size for every entry/],
    ];
    for (const [label, entries, message] of cases) {
      const error = await refusal(Buffer.concat([file('ok.txt'), entries, END]));
      expect(error, label).to.be.instanceOf(RefusedEntry);
      expect(error.message, label).to.match(message);
    }
  });

  it('fails on malformed archives instead of guessing', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['a lone zero block', Buffer.concat([file('a'), Buffer.alloc(512), file('b'), END]), /lone zero block/],
      ['a size with trailing garbage', Buffer.concat([header({ path: 'a', rawSize: '0000000001 7' }), Buffer.alloc(512), END]), /malformed number field/],
      ['a pax size that is not a number', Buffer.concat([pax({ size: '12abc' }), file('a'), END]), /invalid size/],
      ['a repeated pax key', Buffer.concat([header({ path: 'P', type: 'x', size: 20 }), ...padded(Buffer.from('10 path=a\n10 path=b\n')), file('a'), END]), /repeats the key "path"/],
      ['a meta header of 2 MiB', Buffer.concat([header({ path: 'p', type: 'x', size: 2 * 1024 * 1024 }), Buffer.alloc(4096)]), /claims 2097152 bytes/],
      ['a bad checksum', Buffer.concat([file('a'), Buffer.from(file('b').fill(0x41, 0, 10)), END]), /wrong checksum/],
      ['no end marker', Buffer.concat([file('a'), file('b')]), /ends before its end-of-archive marker/],
    ];
    for (const [label, archive, message] of cases) {
      const error = await refusal(archive);
      expect(error, label).not.to.be.instanceOf(RefusedEntry);
      expect(error.message, label).to.match(message);
    }
  });

  it('consumes what follows the end marker without passing it on', async () => {
    const run = await gate(Buffer.concat([file('a'), END, file('after-the-end'), Buffer.alloc(8192)]));
    expect(gnuTarNames(run.passed)).to.deep.equal(['a']);
    expect(run.passed.length).to.equal(512 * 2 + 1024);
  });

  it('hands a real symlink tree to the caller: GNU tar never sees a link', async () => {
    const root = await mkdtemp(join(tmpdir(), 'vya-gate-links-'));
    try {
      await mkdir(join(root, 'tree', 'sub'), { recursive: true });
      await writeFile(join(root, 'tree', 'sub', 'f'), 'f\n');
      await symlink('/etc', join(root, 'tree', 'etc'));
      await symlink('sub', join(root, 'tree', 'sub-link'));
      const archive = execFileSync('tar', ['-cf', '-', '--format=posix', '-C', join(root, 'tree'), '.']);
      const run = await gate(archive, 333);
      expect(gnuTarNames(run.passed).sort()).to.deep.equal(['./', './sub/', './sub/f']);
      expect(run.symlinks.map((link) => [link.path, link.linkpath]).sort()).to.deep.equal([
        ['./etc', '/etc'],
        ['./sub-link', 'sub'],
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
