import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';
import { describeTree } from '../support/describe-tree.js';

const describeTreeOf = (root: string) => describeTree(root, { fileModes: true, times: 'all' });

/**
 * Restores extract with GNU tar when it is installed: what it is handed (EntryGate), how it
 * is run, and what happens when it fails.
 */
describe('end to end: the files restore through GNU tar', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = (extra: Record<string, string> = {}) => ({ VYA_STATE_DIR: join(dir.path, 'state'), ...extra });
  const tree = () => join(dir.path, 'tree');

  before(async () => {
    dir = await tempDir('vya-e2e-extractor-');
    const root = tree();
    // Directories before their contents' subdirectories, as vya's packer orders them: their
    // times must still be the stored ones after everything inside was written.
    for (const sub of ['a/one', 'a/two', 'b', 'locked']) await mkdir(join(root, sub), { recursive: true });
    await writeFile(join(root, 'a/one/f.txt'), 'one\n');
    await writeFile(join(root, 'a/two/g.bin'), randomBytes(200_000));
    await writeFile(join(root, 'b/h.txt'), 'h\n');
    await writeFile(join(root, 'locked/inside.txt'), 'in a read-only directory\n');
    await symlink('a/one', join(root, 'link'));
    const old = new Date('2011-11-11T11:11:11Z');
    for (const sub of ['a/one', 'a/two', 'a', 'b', 'locked']) await utimes(join(root, sub), old, old);
    await chmod(join(root, 'locked'), 0o555);
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  tree: { type: files, paths: [./tree] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  tree: { source: tree, sink: repo, compression: { algorithm: none } }\n`);
    const backup = await runVya(['backup', 'tree', '--config', config], { env: env(), cwd: dir.path });
    expect(backup.code, backup.stderr).to.equal(0);
  });
  after(async () => {
    await chmod(join(tree(), 'locked'), 0o755).catch(() => {});
    await dir.cleanup();
  });

  async function restore(target: string, extra: Record<string, string> = {}, flags: string[] = []) {
    const rows = parseJson<{ id: string }[]>(await runVya(['snapshots', '--job', 'tree', '--json', '--config', config], { env: env(), cwd: dir.path }));
    return runVya(['restore', rows[0].id, '--to', target, ...flags, '--config', config], { env: env(extra), cwd: dir.path });
  }

  it('restores directory times and modes (a read-only one too) after their contents', async () => {
    const target = join(dir.path, 'restored');
    const result = await restore(target, { VYA_FILES_EXTRACTOR: 'gnu-tar' });
    expect(result.code, result.stderr).to.equal(0);
    expect(await describeTreeOf(target)).to.deep.equal(await describeTreeOf(tree()));
    await chmod(join(target, 'locked'), 0o755);
  });

  it('ignores TAR_OPTIONS: an operator default like --strip-components changes neither backup nor restore', async () => {
    const hostile = { TAR_OPTIONS: '--strip-components=1 --exclude=*.txt --absolute-names' };
    const backup = await runVya(['backup', 'tree', '--config', config], { env: env(hostile), cwd: dir.path });
    expect(backup.code, backup.stderr).to.equal(0);
    const target = join(dir.path, 'restored-tar-options');
    const result = await restore(target, hostile);
    expect(result.code, result.stderr).to.equal(0);
    expect(await describeTreeOf(target)).to.deep.equal(await describeTreeOf(tree()));
    await chmod(join(target, 'locked'), 0o755);
  });

  it('a tar that fails mid-extraction stops the restore with its message; the target is left as it was', async () => {
    const bin = join(dir.path, 'failing-tar-bin');
    await mkdir(bin, { recursive: true });
    // Claims to be GNU tar, reads a little of the archive, then fails as tar does (exit 2).
    await writeFile(join(bin, 'tar'), '#!/bin/sh\nif [ "$1" = --version ]; then echo "tar (GNU tar) 1.34"; exit 0; fi\nhead -c 2048 > /dev/null\necho "tar: ./a/two/g.bin: Cannot write: No space left on device" >&2\necho "tar: Exiting with failure status due to previous errors" >&2\nexit 2\n', { mode: 0o755 });
    const target = join(dir.path, 'restore-fails');
    await mkdir(target);
    await writeFile(join(target, 'kept.txt'), 'kept\n');
    const result = await restore(target, { PATH: `${bin}:${process.env.PATH ?? ''}` }, ['--overwrite']);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.match(/^Error: no space left on the device of .*restore-fails$/m);
    expect(result.stderr).to.match(/^Hint: nothing was changed in /m);
    expect(await readdir(target)).to.deep.equal(['kept.txt']);
  });

  it('a tar that cannot start is one clear line naming the way out', async () => {
    const bin = join(dir.path, 'broken-tar-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'tar'), '#!/bin/sh\nif [ "$1" = --version ]; then echo "tar (GNU tar) 1.34"; exit 0; fi\necho "tar: You must specify one of the options" >&2\nexit 2\n', { mode: 0o755 });
    const target = join(dir.path, 'restore-broken');
    const result = await restore(target, { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^Error: snapshot .* could not be extracted: You must specify one of the options$/m);
    expect(await readdir(target)).to.deep.equal([]);
  });
});
