import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '@vya/plugin-api';
import { runSourceSuite } from '@vya/testing';
import { FilesSource } from '../src/files-source.js';

// The source conformance suite over two real directories, restored into a fresh target.
const dirs: string[] = [];
const fresh = async (prefix: string) => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};

runSourceSuite({
  name: 'files',
  checkOk: true,
  async create() {
    const root = await fresh('vya-files-suite-');
    for (const name of ['docs', 'photos']) {
      await mkdir(join(root, name, 'sub'), { recursive: true });
      await writeFile(join(root, name, 'sub', 'file.txt'), `content of ${name}\n`);
    }
    return new FilesSource({ paths: [join(root, 'docs'), join(root, 'photos')] }, silentLogger);
  },
  async cleanup() {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  },
  restore: {
    async options() {
      return { target: join(await fresh('vya-files-suite-restore-'), 'into') };
    },
    async verify(unit, options) {
      expect(await readFile(join(options.target!, 'sub', 'file.txt'), 'utf8')).to.equal(`content of ${basename(unit.name)}\n`);
    },
  },
});
