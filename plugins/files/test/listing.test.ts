import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import * as tar from 'tar';
import { readAll } from '@vya/testing';
import { relativeEntryPath } from '../src/archive-entries.js';
import { tapListing, type ListingEntry } from '../src/listing.js';
import { newCounts } from '../src/pack-counts.js';
import { packWithGnuTar } from '../src/pack-gnu-tar.js';
import { packWithNodeTar } from '../src/pack-node-tar.js';

/** The listing tapListing writes for `archive` fed in pieces of `piece` bytes, and the bytes it passed on. */
async function listingOf(archive: Buffer, piece = 64 * 1024): Promise<{ entries: ListingEntry[]; passed: Buffer }> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < archive.length; at += piece) pieces.push(archive.subarray(at, at + piece));
  const { data, listing } = tapListing(Readable.from(pieces));
  const [passed, lines] = await Promise.all([readAll(data), readAll(listing)]);
  return { entries: lines.toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ListingEntry), passed };
}

/** The listing as npm tar's Parser reads the same archive: the reference. */
async function referenceListing(archive: Buffer): Promise<ListingEntry[]> {
  const entries: ListingEntry[] = [];
  const types: Record<string, ListingEntry['type']> = { File: 'file', OldFile: 'file', ContiguousFile: 'file', Directory: 'directory', SymbolicLink: 'symlink', Link: 'hardlink' };
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const type = types[entry.type];
      const path = relativeEntryPath(entry.path);
      if (!type || path === '') return entry.resume();
      const line: ListingEntry = { path, type };
      if (type === 'symlink' || type === 'hardlink') line.target = type === 'hardlink' ? relativeEntryPath(entry.linkpath ?? '') : (entry.linkpath ?? '');
      else line.mode = (entry.mode ?? 0) & 0o7777;
      if (type !== 'file') {
        entries.push(line);
        return entry.resume();
      }
      let size = 0;
      entry.on('data', (chunk: Buffer) => (size += chunk.length));
      entry.on('end', () => entries.push({ ...line, size }));
    },
  });
  await pipeline(Readable.from([archive]), parser as unknown as Writable);
  return entries;
}

describe('files: the listing read from the outgoing archive', function () {
  this.timeout(120_000);
  let root: string;
  const packed: Record<string, Buffer> = {};

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vya-listing-'));
    const tree = join(root, 'tree');
    const long = 'l'.repeat(120);
    await mkdir(join(tree, 'dir', 'empty'), { recursive: true });
    await mkdir(join(tree, long, long), { recursive: true });
    await writeFile(join(tree, 'a.txt'), 'hello\n');
    await writeFile(join(tree, 'empty.txt'), '');
    await writeFile(join(tree, 'exactly-512.bin'), randomBytes(512));
    await writeFile(join(tree, 'dir', 'big.bin'), randomBytes(3 * 1024 * 1024 + 17));
    await writeFile(join(tree, '-rf'), 'not an option\n');
    await writeFile(join(tree, 'back\\slash.txt'), 'b\n');
    await writeFile(join(tree, 'new\nline.txt'), 'n\n');
    await writeFile(join(tree, 'ünïcode-名前.txt'), 'u\n');
    await writeFile(join(tree, long, long, 'deep.txt'), 'deep\n');
    await writeFile(join(tree, 'dir', 'private.txt'), 'mode 600\n');
    await chmod(join(tree, 'dir', 'private.txt'), 0o600);
    await symlink('dir', join(tree, 'to-dir'));
    await symlink(`${'t'.repeat(150)}/target`, join(tree, 'long-target'));
    await link(join(tree, 'a.txt'), join(tree, 'dir', 'hard-a.txt'));
    const events = () => ({ counts: newCounts(), accept: () => true, warn: () => {} });
    packed.gnu = await readAll(packWithGnuTar(tree, events(), new AbortController().signal));
    packed.npm = await readAll(packWithNodeTar(tree, events()));
    packed.ustar = execFileSync('tar', ['--format=ustar', '-C', tree, '-cf', '-', 'a.txt', 'dir', 'to-dir'], { maxBuffer: 64 * 1024 * 1024 });
    packed.gnuLongNames = execFileSync('tar', ['--format=gnu', '-C', tree, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  for (const archive of ['gnu', 'npm', 'ustar', 'gnuLongNames']) {
    it(`lists what npm tar's parser reads, entry for entry (${archive} archive)`, async () => {
      const { entries, passed } = await listingOf(packed[archive]);
      expect(entries).to.deep.equal(await referenceListing(packed[archive]));
      expect(entries.length).to.be.above(archive === 'ustar' ? 4 : 14);
      if (archive === 'gnu') expect(passed.equals(packed.gnu.subarray(0, passed.length))).to.equal(true);
      else expect(passed.equals(packed[archive])).to.equal(true);
    });
  }

  it('stores the archive as tar writes it with its default 10 KiB record: the rest of the 64 KiB record GNU tar packed with is dropped', async () => {
    const { passed } = await listingOf(packed.gnu);
    expect(packed.gnu.length % (64 * 1024)).to.equal(0);
    expect(passed.length % 10240).to.equal(0);
    expect(passed.length).to.be.above(packed.gnu.length - 64 * 1024);
    expect(packed.gnu.subarray(passed.length).every((byte) => byte === 0)).to.equal(true);
    // GNU tar reads it to its last byte: nothing is left in the pipe for a writer to fail on.
    expect(execFileSync('tar', ['-tf', '-'], { input: passed }).toString()).to.include('dir/private.txt');
  });

  it('data in the padding it drops fails the archive stream', async () => {
    const tail = Buffer.from(packed.gnu);
    tail[tail.length - 1] = 1;
    const { data, listing } = tapListing(Readable.from([tail]));
    listing.on('error', () => {}).resume();
    const error = await readAll(data).catch((e: Error) => e);
    expect((error as Error).message).to.match(/data after its end-of-archive blocks/);
  });

  it('records names, modes, sizes and link targets as they are on disk, and no hashes (drills hash the archive)', async () => {
    const { entries } = await listingOf(packed.gnu);
    const byPath = Object.fromEntries(entries.map((entry) => [entry.path, entry]));
    expect(byPath['dir/private.txt']).to.deep.equal({ path: 'dir/private.txt', type: 'file', mode: 0o600, size: 9 });
    expect(entries.filter((entry) => 'sha256' in entry)).to.deep.equal([]);
    expect(byPath['new\nline.txt']).to.include({ type: 'file', size: 2 });
    expect(byPath['empty.txt']).to.include({ type: 'file', size: 0 });
    expect(byPath['dir/big.bin']).to.include({ type: 'file', size: 3 * 1024 * 1024 + 17 });
    expect(byPath['long-target']).to.deep.equal({ path: 'long-target', type: 'symlink', target: `${'t'.repeat(150)}/target` });
    expect(byPath['dir/hard-a.txt']).to.deep.equal({ path: 'dir/hard-a.txt', type: 'hardlink', target: 'a.txt' });
    expect(byPath[`${'l'.repeat(120)}/${'l'.repeat(120)}/deep.txt`]).to.include({ type: 'file', size: 5 });
    expect(byPath['dir/empty']).to.include({ type: 'directory' });
  });

  it('counts the files by name (a hard link is one more) and the content bytes stored (a hard link adds none)', async () => {
    const regular = ['a.txt', 'empty.txt', 'exactly-512.bin', 'dir/big.bin', '-rf', 'back\\slash.txt', 'new\nline.txt', 'ünïcode-名前.txt', `${'l'.repeat(120)}/${'l'.repeat(120)}/deep.txt`, 'dir/private.txt'];
    const bytes = 6 + 0 + 512 + (3 * 1024 * 1024 + 17) + 14 + 2 + 2 + 2 + 5 + 9;
    for (const archive of ['gnu', 'npm']) {
      const counts = { files: 0, bytes: 0 };
      const { data, listing } = tapListing(Readable.from([packed[archive]]), counts);
      await Promise.all([readAll(data), readAll(listing)]);
      expect(counts, archive).to.deep.equal({ files: regular.length + 1, bytes });
    }
  });

  it('gives the same listing however the stream is cut (pieces of 1, 7, 511, 512, 513 and 100 000 bytes)', async () => {
    const whole = (await listingOf(packed.gnu)).entries;
    for (const piece of [1, 7, 511, 512, 513, 100_000]) expect((await listingOf(packed.gnu, piece)).entries, `piece ${piece}`).to.deep.equal(whole);
  });

  it('a header with a wrong checksum fails the archive stream instead of listing garbage', async () => {
    const damaged = Buffer.from(packed.npm);
    damaged[1] ^= 0xff;
    const { data, listing } = tapListing(Readable.from([damaged]));
    listing.on('error', () => {}).resume();
    let error: Error | undefined;
    await readAll(data).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/wrong checksum/);
  });

  it('an archive that ends before its end-of-archive blocks fails, so a cut stream is never a complete listing', async () => {
    // Within the big file: the end-of-archive blocks and tar's zero padding after them are gone.
    const cut = packed.gnu.subarray(0, packed.gnu.length / 2);
    const { data, listing } = tapListing(Readable.from([cut]));
    let listingError: Error | undefined;
    listing.on('error', (e) => (listingError = e)).resume();
    let error: Error | undefined;
    await readAll(data).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/ended before its end-of-archive blocks/);
    expect(listingError?.message).to.match(/ended before its end-of-archive blocks/);
  });
});
