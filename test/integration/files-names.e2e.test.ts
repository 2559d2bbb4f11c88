import { link, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

/** A path under `root` whose own part is given as raw bytes (latin1 gives each char its byte). */
const raw = (root: string, relative: string) => Buffer.from(`${root}/${relative}`, 'latin1');

/** Every entry under `root` by the hex of its path bytes: type, content or link target bytes. */
async function describeBytes(root: Buffer, prefix = Buffer.alloc(0)): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const name of await readdir(root, { encoding: 'buffer' })) {
    const path = Buffer.concat([root, Buffer.from('/'), name]);
    const relative = prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : name;
    const info = await lstat(path);
    const key = relative.toString('hex');
    if (info.isSymbolicLink()) tree[key] = `link ${(await readlink(path, { encoding: 'buffer' })).toString('hex')}`;
    else if (info.isDirectory()) {
      tree[key] = 'dir';
      Object.assign(tree, await describeBytes(path, relative));
    } else tree[key] = `file ${info.nlink} ${(await readFile(path)).toString('hex')}`;
  }
  return tree;
}

/**
 * File names are bytes on Linux: a name that is not valid UTF-8 (a tree written under a
 * Latin-1 locale) must be backed up, restored under the very same bytes and pass a drill.
 * Before, Node decoded it with U+FFFD, tar could not find that name, and the backup
 * "succeeded" without the file.
 */
describe('end to end: file names that are not UTF-8', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let tree: string;
  const env = (extra: Record<string, string> = {}) => ({ VYA_STATE_DIR: join(dir.path, 'state'), ...extra });
  const vya = (args: string[], extra: Record<string, string> = {}) => runVya([...args, '--config', config], { env: env(extra), cwd: dir.path });
  const snapshotIds = async () => parseJson<{ id: string }[]>(await vya(['snapshots', '--json'])).map((row) => row.id).sort();
  const latestId = async () => (await snapshotIds()).at(-1) as string;

  before(async () => {
    dir = await tempDir('vya-e2e-names-');
    tree = join(dir.path, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'plain.txt'), 'plain\n');
    await writeFile(raw(tree, 'caf\xe9.txt'), 'latin-1 name\n');
    await mkdir(raw(tree, 'lat\xe9dir'));
    await writeFile(raw(tree, 'lat\xe9dir/inner\xff'), 'inside a latin-1 directory\n');
    await symlink(Buffer.from('tar\xe9get', 'latin1'), raw(tree, 'l\xe9nk'));
    await link(raw(tree, 'caf\xe9.txt'), raw(tree, 'hard\xe9'));
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  tree: { type: files, paths: [./tree] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  tree: { source: tree, sink: repo }\n`);
  });
  after(async () => dir.cleanup());

  it('backs the names up with GNU tar, restores them byte for byte, and the drill passes', async () => {
    const backup = await vya(['backup', 'tree']);
    expect(backup.code, backup.stderr).to.equal(0);
    expect(backup.stderr).not.to.match(/Cannot stat|cannot read directory|warn/i);
    const target = join(dir.path, 'restored');
    const restore = await vya(['restore', await latestId(), '--to', target]);
    expect(restore.code, restore.stderr).to.equal(0);
    const expected = await describeBytes(Buffer.from(tree));
    expect(Object.keys(expected)).to.have.length(6);
    expect(await describeBytes(Buffer.from(target))).to.deep.equal(expected);
    const drill = await vya(['drill', 'tree']);
    expect(drill.code, drill.stdout + drill.stderr).to.equal(0);
    expect(drill.stdout).to.match(/6 entries/);
  });

  it('restores over an existing tree of the same names with --overwrite', async () => {
    const target = join(dir.path, 'restored');
    const again = await vya(['restore', await latestId(), '--to', target, '--overwrite']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/replaced/);
    expect(await describeBytes(Buffer.from(target))).to.deep.equal(await describeBytes(Buffer.from(tree)));
  });

  it('the npm tar packer fails the backup instead of storing the tree without those files', async () => {
    const before = await snapshotIds();
    const backup = await vya(['backup', 'tree'], { VYA_FILES_PACKER: 'node-tar' });
    expect(backup.code).to.equal(1);
    expect(backup.stdout + backup.stderr).to.match(/not valid UTF-8, which the npm tar packer cannot store/);
    expect(await snapshotIds()).to.deep.equal(before);
  });

  it('the npm tar extractor refuses such a snapshot instead of restoring it under other names', async () => {
    const target = join(dir.path, 'by-npm-tar');
    const restore = await vya(['restore', await latestId(), '--to', target], { VYA_FILES_EXTRACTOR: 'node-tar' });
    expect(restore.code).to.not.equal(0);
    expect(restore.stderr).to.match(/not valid UTF-8.*npm tar cannot restore/);
    expect(await readdir(target).catch(() => [])).to.deep.equal([]);
  });
});
