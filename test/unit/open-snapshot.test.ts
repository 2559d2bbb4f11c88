import { Readable } from 'node:stream';
import { expect } from 'chai';
import { silentLogger, type Source } from '@vya/plugin-api';
import { backupUnit } from '../../src/core/pipeline/backup-unit.js';
import { openSnapshot, VERIFIED_TAIL_BYTES } from '../../src/core/pipeline/open-snapshot.js';
import type { Manifest } from '../../src/core/repository/manifest.js';
import { Repository } from '../../src/core/repository/repository.js';
import { readWholeSnapshot } from '../../src/core/verify/read-snapshot.js';
import { generatedStream, readAll } from '@vya/testing';
import { LocalSink } from '../../plugins/local/src/local-sink.js';
import { tempDir } from '../support/cli.js';

/** Reads a stream to its end or error, counting what came out. */
function drain(stream: Readable): Promise<{ bytes: number; outcome: 'end' | Error }> {
  return new Promise((resolve) => {
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stream.on('end', () => resolve({ bytes, outcome: 'end' }));
    stream.on('error', (error) => resolve({ bytes, outcome: error }));
  });
}

describe('openSnapshot: the restore data stream never ends on damaged data', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let sink: LocalSink;
  let manifest: Manifest;
  const size = 3 * 1024 * 1024;

  beforeEach(async () => {
    dir = await tempDir('vya-open-snapshot-');
    sink = new LocalSink(dir.path);
    const source: Source = {
      check: async () => [],
      discover: async () => [],
      backup: async () => ({ data: generatedStream(size, 7), format: 'bin', completed: Promise.resolve({}) }),
      restore: async () => ({ summary: '' }),
    };
    manifest = await backupUnit({
      job: 'job',
      runId: 'run-1',
      source: { name: 'src', type: 'test', instance: source },
      sink: { name: 'local', instance: sink },
      repository: new Repository(sink, 'local'),
      unit: { name: 'db', kind: 'database' },
      compression: { algorithm: 'none' },
      encryption: undefined,
      plugins: {},
      vyaVersion: '0.0.0',
      logger: silentLogger,
      signal: new AbortController().signal,
    });
  });
  afterEach(async () => dir.cleanup());

  async function damage(change: (stored: Buffer) => Buffer): Promise<void> {
    const stored = await readAll(await sink.get(manifest.data_key));
    await sink.put(manifest.data_key, Readable.from([change(stored)]));
  }

  it('a clean object ends, with every byte', async () => {
    const result = await drain((await openSnapshot(sink, manifest, { identities: [] })).data);
    expect(result).to.deep.equal({ bytes: size, outcome: 'end' });
  });

  it("a byte changed near the end: 'error' instead of 'end', and the tail is never released", async () => {
    await damage((stored) => {
      stored[stored.length - 10] ^= 0x01;
      return stored;
    });
    const result = await drain((await openSnapshot(sink, manifest, { identities: [] })).data);
    expect((result.outcome as Error).message).to.match(/does not match its manifest/);
    expect(result.bytes).to.be.at.most(size - VERIFIED_TAIL_BYTES);
  });

  it("a truncated object: 'error' instead of 'end'", async () => {
    await damage((stored) => stored.subarray(0, stored.length - 100));
    const result = await drain((await openSnapshot(sink, manifest, { identities: [] })).data);
    expect((result.outcome as Error).message).to.match(/does not match its manifest/);
  });

  it('an error that came before the consumer attached is still seen by stream.finished (feedChild relies on it)', async () => {
    await damage((stored) => stored.subarray(0, 1000));
    const opened = await openSnapshot(sink, manifest, { identities: [] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { finished } = await import('node:stream/promises');
    const error = await finished(opened.data).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/does not match its manifest/);
  });

  it('readWholeSnapshot (restore --verify-first) throws on damage and returns the plain size otherwise', async () => {
    expect(await readWholeSnapshot(sink, manifest, { identities: [] })).to.equal(size);
    await damage((stored) => stored.subarray(0, stored.length - 1));
    const error = await readWholeSnapshot(sink, manifest, { identities: [] }).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/does not match its manifest/);
  });
});
