import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../../../test/support/cli.js';
import { FakeGcsServer } from './fake-gcs-server.js';

const psql = (sql: string, database = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();

describe('end to end: files and PostgreSQL backed up to GCS (local JSON API server) and restored', function () {
  this.timeout(300_000);
  const server = new FakeGcsServer(['backups']);
  const suffix = randomBytes(4).toString('hex');
  const db = `vya_gcs_${suffix}`;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_REPO_PASSWORD: `repo passphrase ${suffix}` });

  before(async () => {
    await server.start();
    dir = await tempDir('vya-e2e-gcs-');
    await mkdir(join(dir.path, 'files', 'sub'), { recursive: true });
    await writeFile(join(dir.path, 'files', 'sub', 'hello.txt'), 'hello from gcs\n');
    psql(`CREATE DATABASE ${db}`);
    psql('CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g', db);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  files: { type: files, paths: [./files] }
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: [${db}] }
sinks:
  gcs: { type: gcs, bucket: backups, prefix: vya/, project_id: test, api_endpoint: ${server.endpoint}, chunk_size_mb: 1 }
  nobucket: { type: gcs, bucket: no-such-bucket, project_id: test, api_endpoint: ${server.endpoint}, max_retries: 0 }
jobs:
  files: { source: files, sink: gcs, encryption: { passphrase: "secret:repo.password" } }
  pg: { source: pg, sink: gcs }
`,
    );
  });
  after(async () => {
    psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    psql(`DROP DATABASE IF EXISTS ${db}_back WITH (FORCE)`);
    await server.stop();
    await dir.cleanup();
  });

  it('check proves write, read, list and delete on the bucket, and names a missing bucket', async () => {
    const result = await runVya(['check', '--config', config, '--json'], { env: env() });
    const checks = parseJson<{ checks: { name: string; ok: boolean; detail: string }[] }>(result).checks;
    for (const step of ['write', 'read', 'list', 'delete']) expect(checks.find((c) => c.name === `sink gcs: ${step}`)?.ok, step).to.equal(true);
    expect(checks.find((c) => c.name === 'sink nobucket: bucket')).to.deep.include({ ok: false, detail: 'bucket "no-such-bucket" does not exist' });
    expect(result.code).to.equal(1);
  });

  it('backs up both jobs into the bucket and restores them from it', async () => {
    const backup = await runVya(['backup', 'files', 'pg', '--config', config], { env: env() });
    expect(backup.code, backup.stderr).to.equal(0);
    const stored = [...server.objectNames('backups')];
    expect(stored.some((name) => /^vya\/data\/files\/.+\.tar\.zst\.age$/.test(name)), stored.join(' ')).to.equal(true);
    expect(stored.some((name) => name.startsWith(`vya/snapshots/pg/${db}/`))).to.equal(true);

    const listed = await runVya(['snapshots', '--json', '--config', config], { env: env() });
    const rows = parseJson<{ job: string; unit: string; sink: string }[]>(listed);
    expect(rows.map((r) => `${r.job}/${r.sink}`).sort()).to.deep.equal(['files/gcs', 'pg/gcs']);

    const target = join(dir.path, 'restored');
    const files = await runVya(['restore', `files/${rows.find((r) => r.job === 'files')!.unit}@latest`, '--to', target, '--config', config], { env: env() });
    expect(files.code, files.stderr).to.equal(0);
    expect(await readFile(join(target, 'sub', 'hello.txt'), 'utf8')).to.equal('hello from gcs\n');

    const pg = await runVya(['restore', `pg/${db}@latest`, '--to', 'pg', '--database', `${db}_back`, '--config', config], { env: env() });
    expect(pg.code, pg.stderr).to.equal(0);
    const checksum = (name: string) => psql("SELECT count(*) || md5(string_agg(id || v, ',' ORDER BY id)) FROM t", name);
    expect(checksum(`${db}_back`)).to.equal(checksum(db));

    const verify = await runVya(['verify', '--all', '--config', config, '--json'], { env: env() });
    expect(parseJson<{ results: { ok: boolean; checked: string }[] }>(verify).results.filter((r) => r.ok && r.checked === 'full')).to.have.length(2);
  });
});
