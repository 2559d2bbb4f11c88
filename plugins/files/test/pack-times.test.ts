import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import * as tar from 'tar';
import { readAll } from '@vya/testing';
import { newCounts } from '../src/pack-counts.js';
import { packWithGnuTar } from '../src/pack-gnu-tar.js';
import { packWithNodeTar } from '../src/pack-node-tar.js';

/** Each entry's mtime in seconds (with the pax fraction when there is one), as npm tar's parser reads it. */
async function mtimesOf(archive: Buffer): Promise<Record<string, number>> {
  const mtimes: Record<string, number> = {};
  const parser = new tar.Parser({ strict: true, onReadEntry: (entry) => {
    mtimes[entry.path.replace(/^\.\//, '').replace(/\/$/, '')] = (entry.mtime?.getTime() ?? Number.NaN) / 1000;
    entry.resume();
  } });
  const ended = new Promise((resolve) => parser.on('end', resolve));
  parser.end(archive);
  await ended;
  return mtimes;
}

/**
 * A file changed in the last half-millisecond of a second: Node's Stats.mtime rounds it up to
 * the next second, GNU tar cuts it. Both packers must store the second it was changed in.
 */
describe('files packers: mtimes at the end of a second', function () {
  this.timeout(30_000);
  const second = 1_795_774_258;
  let root: string;
  let tree: string;
  const long = 'n'.repeat(120);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vya-pack-times-'));
    tree = join(root, 'tree');
    await mkdir(join(tree, 'dir'), { recursive: true });
    await writeFile(join(tree, 'dir', 'late.txt'), 'late\n');
    await writeFile(join(tree, 'dir', `${long}.txt`), 'a name long enough for a pax header\n');
    const late = `@${second}.9999995`;
    for (const path of ['dir/late.txt', `dir/${long}.txt`, 'dir']) execFileSync('touch', ['-h', '-d', late, join(tree, path)]);
  });
  after(async () => rm(root, { recursive: true, force: true }));

  const events = () => ({ counts: newCounts(), accept: () => true, warn: () => {} });
  const packers = {
    'GNU tar': () => packWithGnuTar(tree, events(), new AbortController().signal),
    'npm tar': () => packWithNodeTar(tree, events()),
  };
  for (const [name, pack] of Object.entries(packers)) {
    it(`${name} stores the second the entry was changed in, never the next`, async () => {
      const mtimes = await mtimesOf(await readAll(pack()));
      for (const path of ['dir/late.txt', `dir/${long}.txt`, 'dir']) {
        expect(mtimes[path], path).to.be.at.least(second);
        expect(mtimes[path], path).to.be.below(second + 1);
      }
    });
  }
});
