import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { expect } from 'chai';
import { silentLogger, VyaError, type BackupStream, type Source } from '@vya/plugin-api';
import { generateX25519Identity } from '../../src/core/crypto/age/index.js';
import { backupUnit, type UnitBackupRequest } from '../../src/core/pipeline/backup-unit.js';
import { openSnapshot } from '../../src/core/pipeline/open-snapshot.js';
import { Repository } from '../../src/core/repository/repository.js';
import { generatedStream, readAll, sha256OfStream } from '@vya/testing';
import { LocalSink } from '../../plugins/local/src/local-sink.js';
import { tempDir } from '../support/cli.js';

/** A source whose dump is whatever stream and completion the test hands it. */
function scriptedSource(make: () => BackupStream): Source {
  return {
    check: async () => [],
    discover: async () => [{ name: 'db', kind: 'database' }],
    backup: async () => make(),
    restore: async () => ({ summary: '' }),
  };
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? '', e.name));
}

describe('backup pipeline', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let sink: LocalSink;
  let repository: Repository;

  beforeEach(async () => {
    dir = await tempDir('vya-pipeline-');
    sink = new LocalSink(dir.path);
    repository = new Repository(sink, 'local');
  });
  afterEach(async () => dir.cleanup());

  function request(source: Source, overrides: Partial<UnitBackupRequest> = {}): UnitBackupRequest {
    return {
      job: 'job',
      runId: 'run-1',
      source: { name: 'src', type: 'test', instance: source },
      sink: { name: 'local', instance: sink },
      repository,
      unit: { name: 'db', kind: 'database' },
      compression: { algorithm: 'zstd', level: 3 },
      encryption: undefined,
      plugins: { '@vya/plugin-test': '1.0.0' },
      vyaVersion: '0.0.0',
      logger: silentLogger,
      signal: new AbortController().signal,
      ...overrides,
    };
  }

  for (const algorithm of ['zstd', 'gzip', 'none'] as const) {
    it(`round-trips through ${algorithm} and age, recording sizes and the sha256 of the stored bytes`, async () => {
      const size = 3 * 1024 * 1024 + 17;
      const { identity, recipient } = generateX25519Identity();
      const source = scriptedSource(() => ({ data: generatedStream(size, 5), format: 'bin', completed: Promise.resolve({ rows: 3 }) }));
      const manifest = await backupUnit(request(source, { compression: { algorithm, level: 3 }, encryption: { recipients: [recipient] } }));
      expect(manifest.raw_bytes).to.equal(size);
      expect(manifest.data_key).to.match(new RegExp(`^data/job/db/${manifest.id}\\.bin${algorithm === 'none' ? '' : algorithm === 'zstd' ? '\\.zst' : '\\.gz'}\\.age$`));
      expect(manifest.source_metadata).to.deep.equal({ rows: 3 });
      expect(await sha256OfStream(await sink.get(manifest.data_key))).to.deep.equal({ sha256: manifest.sha256, size: manifest.stored_bytes });
      const opened = await openSnapshot(sink, manifest, { identities: [identity] });
      expect(await sha256OfStream(opened.data)).to.deep.equal(await sha256OfStream(generatedStream(size, 5)));
      expect((await repository.listSnapshots()).map((m) => m.id)).to.deep.equal([manifest.id]);
    });
  }

  it('a source that fails after its last byte leaves no manifest and no data', async () => {
    const source = scriptedSource(() => ({
      data: Readable.from([Buffer.from('complete-looking dump')]),
      format: 'sql',
      completed: new Promise((_, reject) => setTimeout(() => reject(new VyaError('dump tool exited 1 for database db')), 50)),
    }));
    const error = await backupUnit(request(source)).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/dump tool exited 1 for database db/);
    expect(await repository.listSnapshots()).to.deep.equal([]);
    expect(await filesUnder(dir.path)).to.deep.equal([]);
  });

  it('a stream that errors mid-way leaves nothing behind and names the unit', async () => {
    const data = new PassThrough();
    const source = scriptedSource(() => ({ data, format: 'sql', completed: new Promise(() => {}) }));
    const pending = backupUnit(request(source));
    data.write(Buffer.alloc(1024 * 1024, 1));
    setTimeout(() => data.destroy(new Error('connection reset by server')), 100);
    const error = await pending.then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.equal('job/db: connection reset by server');
    expect(await filesUnder(dir.path)).to.deep.equal([]);
  });

  it('an abort mid-stream leaves nothing behind and says it was aborted', async () => {
    const controller = new AbortController();
    const source = scriptedSource(() => ({ data: generatedStream(Number.MAX_SAFE_INTEGER, 1), format: 'bin', completed: new Promise(() => {}) }));
    const pending = backupUnit(request(source, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('interrupted by SIGTERM')), 200);
    const error = await pending.then(() => undefined, (e: unknown) => e);
    expect((error as VyaError).code).to.equal('ABORTED');
    expect((error as Error).message).to.match(/aborted: interrupted by SIGTERM/);
    expect(await filesUnder(dir.path)).to.deep.equal([]);
  });

  it('restore of a tampered object fails on the checksum', async () => {
    const source = scriptedSource(() => ({ data: generatedStream(100_000, 9), format: 'bin', completed: Promise.resolve({}) }));
    const manifest = await backupUnit(request(source, { compression: { algorithm: 'none' } }));
    const stored = await readAll(await sink.get(manifest.data_key));
    stored[500] ^= 0xff;
    await sink.put(manifest.data_key, Readable.from([stored]));
    const opened = await openSnapshot(sink, manifest, { identities: [] });
    const error = await readAll(opened.data).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/does not match its manifest/);
  });
});
