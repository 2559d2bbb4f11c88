import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runSinkSuite } from '@vya/testing';
import { LocalSink } from '../src/local-sink.js';

const roots: string[] = [];

runSinkSuite({
  name: 'local',
  async create() {
    const root = await mkdtemp(join(tmpdir(), 'vya-local-sink-'));
    roots.push(root);
    return new LocalSink(root);
  },
  async cleanup(sink) {
    await rm((sink as LocalSink).root, { recursive: true, force: true });
  },
});

describe('LocalSink specifics', () => {
  after(async () => {
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });

  it('rejects keys that would escape the repository', async () => {
    const sink = new LocalSink(await mkdtemp(join(tmpdir(), 'vya-local-')));
    roots.push(sink.root);
    for (const key of ['../outside', 'a/../../b', '/etc/passwd', 'a//b']) {
      const error = await sink.stat(key).then(() => undefined, (e: unknown) => e);
      expect(error, key).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/invalid key/);
    }
  });

  it('removes directories left empty by delete', async () => {
    const sink = new LocalSink(await mkdtemp(join(tmpdir(), 'vya-local-')));
    roots.push(sink.root);
    const { Readable } = await import('node:stream');
    await sink.put('a/b/c/obj', Readable.from([Buffer.from('x')]));
    await sink.delete('a/b/c/obj');
    expect(await readdir(sink.root)).to.deep.equal([]);
  });
});
