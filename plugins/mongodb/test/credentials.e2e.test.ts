import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { parseJson, runVya, tempDir } from '../../../test/support/cli.js';
import { FakeMongoServer } from './fake-mongo-server.js';

const PASSWORD = 'p@ss:wörd/%41 "x"';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('mongodb source: credentials from secret references (SCRAM-SHA-256 against the test double)', function () {
  this.timeout(120_000);
  const server = new FakeMongoServer({ users: { backup: PASSWORD } });
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_MONGO_URI: `mongodb://backup:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/?serverSelectionTimeoutMS=5000`, VYA_SECRET_BACKUP_PASSWORD: PASSWORD, VYA_SECRET_WRONG_PASSWORD: 'definitely wrong' });
  let port = 0;

  before(async () => {
    port = await server.start();
    const client = new MongoClient(server.uri, { auth: { username: 'backup', password: PASSWORD }, serverSelectionTimeoutMS: 5000 });
    await client.db('app').collection('things').insertOne({ a: 1 });
    await client.close();
    dir = await tempDir('vya-e2e-mongodb-auth-');
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  byuri: { type: mongodb, uri: "secret:mongo.uri", temp_dir: ./spill }
  byfields: { type: mongodb, host: 127.0.0.1, port: ${port}, username: backup, password: "secret:backup.password", auth_mechanism: SCRAM-SHA-256, server_selection_timeout_ms: 5000 }
  wrong: { type: mongodb, host: 127.0.0.1, port: ${port}, username: backup, password: "secret:wrong.password", server_selection_timeout_ms: 5000 }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  byuri: { source: byuri, sink: repo }
  byfields: { source: byfields, sink: repo }
  wrong: { source: wrong, sink: repo }
`,
    );
  });

  after(async () => {
    await server.stop();
    await dir.cleanup();
  });

  it('authenticates with a password from the uri or from a field, and a wrong one is one clear line', async () => {
    const result = await runVya(['check', '--config', config, '--json'], { env: env() });
    const checks = parseJson<{ checks: { name: string; ok: boolean; detail: string }[] }>(result).checks;
    expect(checks.find((c) => c.name === 'source byuri: server')).to.deep.include({ ok: true });
    expect(checks.find((c) => c.name === 'source byuri: server')?.detail).to.match(/^MongoDB 7\.0\.99-fake \(standalone\) at 127\.0\.0\.1:\d+$/);
    expect(checks.find((c) => c.name === 'source byfields: read access')).to.deep.include({ ok: true });
    expect(checks.find((c) => c.name === 'source wrong: server')?.detail).to.equal(`MongoDB at 127.0.0.1:${port}: authentication failed for user "backup"`);
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'definitely wrong']) expect(result.stdout + result.stderr).to.not.include(secret);
  });

  it('backs up with the uri credentials; no password in output, manifests, state or history; the spill directory is gone', async () => {
    for (const job of ['byuri', 'byfields']) {
      const result = await runVya(['backup', job, '--config', config], { env: env() });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout + result.stderr).to.not.include(PASSWORD);
    }
    const failed = await runVya(['backup', 'wrong', '--config', config], { env: env() });
    expect(failed.code).to.not.equal(0);
    expect(failed.stderr).to.include('authentication failed for user "backup"');
    expect(failed.stdout + failed.stderr).to.not.include('definitely wrong');
    for (const file of [...(await filesUnder(join(dir.path, 'repo'))), ...(await filesUnder(join(dir.path, 'state')))]) {
      const text = await readFile(file, 'latin1');
      for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'definitely wrong']) expect(text, file).to.not.include(secret);
    }
    expect(await readdir(join(dir.path, 'spill')).catch(() => [])).to.deep.equal([]);
  });
});
