import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { DrillCheckRequest } from '@vya/plugin-api';
import { readAll } from '@vya/testing';
import { compareContents } from '../src/check-contents.js';
import { checkRestoredTree } from '../src/check-tree.js';
import { tapListing } from '../src/listing.js';
import { newCounts } from '../src/pack-counts.js';
import { packWithGnuTar } from '../src/pack-gnu-tar.js';

function pieces(archive: Buffer, piece: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < archive.length; at += piece) parts.push(archive.subarray(at, at + piece));
  return Readable.from(parts);
}

/** Flips one byte of a file in place: same size, other content. */
async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at] ^= 0xff;
  await writeFile(path, bytes);
}

describe('files: drills compare restored contents with the stored archive', function () {
  this.timeout(60_000);
  let root: string;
  let archive: Buffer;
  let listing: string;
  let restored: string;
  const regularFiles = ['a.txt', 'empty.txt', 'dir/big.bin', 'new\nline.txt', '-rf'];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vya-contents-'));
    const tree = join(root, 'tree');
    await mkdir(join(tree, 'dir'), { recursive: true });
    await writeFile(join(tree, 'a.txt'), 'hello\n');
    await writeFile(join(tree, 'empty.txt'), '');
    await writeFile(join(tree, 'dir', 'big.bin'), randomBytes(3 * 1024 * 1024 + 17));
    await writeFile(join(tree, 'new\nline.txt'), 'n\n');
    await writeFile(join(tree, '-rf'), 'not an option\n');
    await symlink('dir', join(tree, 'to-dir'));
    await link(join(tree, 'a.txt'), join(tree, 'dir', 'hard-a.txt'));
    const packed = packWithGnuTar(tree, { counts: newCounts(), accept: () => true, warn: () => {} }, new AbortController().signal);
    const tapped = tapListing(packed);
    const [data, lines] = await Promise.all([readAll(tapped.data), readAll(tapped.listing)]);
    archive = data;
    listing = lines.toString('utf8');
  });
  beforeEach(async () => {
    restored = join(root, 'restored');
    await rm(restored, { recursive: true, force: true });
    await mkdir(restored);
    execFileSync('tar', ['-x', '-C', restored], { input: archive });
  });
  after(async () => rm(root, { recursive: true, force: true }));

  const compare = async (stream: Readable) => {
    const problems: string[] = [];
    const compared = await compareContents(stream, restored, (path, problem) => problems.push(`${path}: ${problem}`), new AbortController().signal);
    return { compared, problems };
  };

  it('a restore equal to the archive: every regular file compared (the hard link, link and directories not), nothing reported', async () => {
    expect(await compare(Readable.from([archive]))).to.deep.equal({ compared: regularFiles.length, problems: [] });
  });

  it('a restored file whose bytes differ at the same size is named, also in a file read in pieces, however the archive is cut', async () => {
    await flipByte(join(restored, 'a.txt'), 0);
    await flipByte(join(restored, 'dir', 'big.bin'), 2 * 1024 * 1024);
    for (const piece of [511, 512, 513, 64 * 1024]) {
      expect(await compare(pieces(archive, piece)), `pieces of ${piece}`).to.deep.equal({ compared: regularFiles.length, problems: ['a.txt: sha256 differs', 'dir/big.bin: sha256 differs'] });
    }
  });

  it('a missing or resized file is left to the listing check, which names it once', async () => {
    await rm(join(restored, 'a.txt'));
    await truncate(join(restored, '-rf'), 3);
    expect((await compare(Readable.from([archive]))).problems).to.deep.equal([]);
  });

  it('an archive cut short fails instead of passing with fewer files', async () => {
    const error = await compare(Readable.from([archive.subarray(0, 4096)])).catch((e: Error) => e);
    expect((error as Error).message).to.match(/ended before its end-of-archive blocks/);
  });

  const drillRequest = (listed: string, openData?: DrillCheckRequest['openData']): DrillCheckRequest => ({
    unit: { name: 'tree', kind: 'files' },
    target: { directory: restored },
    metadata: {},
    listing: Readable.from([Buffer.from(listed)]),
    openData,
  });

  it('the drill check compares the listing, then the contents with the archive it reads again', async () => {
    await flipByte(join(restored, 'new\nline.txt'), 0);
    let opened = 0;
    const result = await checkRestoredTree(drillRequest(listing, async () => (opened++, Readable.from([archive]))), new AbortController().signal);
    expect(opened).to.equal(1);
    expect(result.problems).to.deep.equal(['file new\nline.txt: sha256 differs']);
    expect(result.checked).to.match(/^\d+ entries, \d+ bytes compared with the listing and the archive$/);
  });

  it('a listing of an older vya, with hashes, is compared as before and the archive is not read again', async () => {
    const sha256 = async (path: string) => createHash('sha256').update(await readFile(join(restored, path))).digest('hex');
    const lines = listing
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const entry = JSON.parse(line) as { path: string; type: string };
        return entry.type === 'file' ? sha256(entry.path).then((hash) => JSON.stringify({ ...entry, sha256: entry.path === 'a.txt' ? '0'.repeat(64) : hash })) : JSON.stringify(entry);
      });
    const older = (await Promise.all(lines)).join('\n');
    let opened = 0;
    const result = await checkRestoredTree(drillRequest(older, async () => (opened++, Readable.from([archive]))), new AbortController().signal);
    expect(opened).to.equal(0);
    expect(result.problems).to.deep.equal(['file a.txt: sha256 differs']);
    expect(result.checked).to.match(/compared with the listing$/);
  });

  it('a listing or archive entry whose path climbs out of the restore directory is reported, and nothing outside is read', async () => {
    // Beside the scratch directory, the same size as the entry claims: a check that looked there would find it.
    await writeFile(join(root, 'outside.txt'), 'hello\n');
    const climbing = `${listing}${JSON.stringify({ path: '../outside.txt', type: 'file', mode: 0o644, size: 6, sha256: '0'.repeat(64) })}\n`;
    const result = await checkRestoredTree(drillRequest(climbing), new AbortController().signal);
    expect(result.problems).to.deep.equal(['file ../outside.txt: unsafe path, not restored']);
    const crafted = execFileSync('tar', ['-cf', '-', '-C', join(root, 'tree'), '--transform=s,^a.txt$,../outside.txt,', 'a.txt']);
    expect(crafted.includes(Buffer.from('../outside.txt'))).to.equal(true);
    expect(await compare(Readable.from([crafted]))).to.deep.equal({ compared: 0, problems: [] });
  });

  it('without a way to read the archive again, the check says that contents were not compared', async () => {
    const result = await checkRestoredTree(drillRequest(listing), new AbortController().signal);
    expect(result.problems).to.deep.equal([]);
    expect(result.checked).to.match(/contents not compared/);
  });
});
