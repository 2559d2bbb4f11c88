import { chmod, chown, lstat, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../support/cli.js';

/** Every file under `dir`, recursively (the cache keeps its entries in a per-Node-version folder). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe("end to end: vya keeps V8's compiled code in its own cache directory, and only in a safe one", function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => (dir = await tempDir('vya-e2e-compile-cache-')));
  afterEach(async () => dir.cleanup());

  it('writes the cache under $VYA_CACHE_DIR/compile-cache, readable by this user alone, and runs the same from it', async () => {
    const first = await runVya(['--version'], { env: { VYA_CACHE_DIR: dir.path, NODE_COMPILE_CACHE: undefined } });
    expect(first.code, first.stderr).to.equal(0);
    const cache = join(dir.path, 'compile-cache');
    expect((await lstat(cache)).mode & 0o777).to.equal(0o700);
    expect((await filesUnder(cache)).length, 'cached modules').to.be.greaterThan(5);
    const second = await runVya(['--version'], { env: { VYA_CACHE_DIR: dir.path, NODE_COMPILE_CACHE: undefined } });
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.equal(first.stdout);
  });

  it('does not use a cache directory others can write to, a symlink, or one under a parent others can replace it in', async () => {
    const open = join(dir.path, 'open');
    await mkdir(join(open, 'compile-cache'), { recursive: true });
    await chmod(join(open, 'compile-cache'), 0o777);
    const linked = join(dir.path, 'linked');
    const target = join(dir.path, 'target');
    await mkdir(target, { mode: 0o700 });
    await mkdir(linked);
    await symlink(target, join(linked, 'compile-cache'));
    const shared = join(dir.path, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    for (const root of [open, linked, shared]) {
      const result = await runVya(['--version'], { env: { VYA_CACHE_DIR: root, NODE_COMPILE_CACHE: undefined } });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^vya\/\d/);
    }
    expect(await filesUnder(join(open, 'compile-cache')), 'world-writable').to.deep.equal([]);
    expect(await filesUnder(target), 'behind a symlink').to.deep.equal([]);
    expect(await filesUnder(join(shared, 'compile-cache')), 'parent writable by others, not sticky').to.deep.equal([]);
  });

  it("never makes its directory inside another user's (sudo with the caller's HOME)", async () => {
    // As root: a folder of nobody's; as anyone else: the root directory, which is root's.
    const others = process.getuid?.() === 0 ? join(dir.path, 'nobody') : '/';
    if (others !== '/') {
      await mkdir(others);
      await chown(others, 65534, 65534);
    }
    const cacheRoot = join(others, `vya-cache-${String(process.pid)}`);
    const result = await runVya(['--version'], { env: { VYA_CACHE_DIR: cacheRoot, NODE_COMPILE_CACHE: undefined } });
    expect(result.code, result.stderr).to.equal(0);
    expect(await lstat(cacheRoot).then(() => 'made', () => 'not made')).to.equal('not made');
  });

  it('VYA_COMPILE_CACHE=0 turns it off; a cache directory that cannot be made changes nothing but speed', async () => {
    const off = await runVya(['--version'], { env: { VYA_CACHE_DIR: dir.path, VYA_COMPILE_CACHE: '0', NODE_COMPILE_CACHE: undefined } });
    expect(off.code, off.stderr).to.equal(0);
    expect(await readdir(dir.path)).to.deep.equal([]);
    const unwritable = await runVya(['--version'], { env: { VYA_CACHE_DIR: '/proc/vya-cannot-be-made', NODE_COMPILE_CACHE: undefined } });
    expect(unwritable.code, unwritable.stderr).to.equal(0);
    expect(unwritable.stderr).to.equal('');
  });
});
