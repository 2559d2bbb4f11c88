import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../../../test/support/cli.js';
import { S3rverProcess } from '../../../test/support/s3rver.js';

const psql = (sql: string, database = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();

describe('end to end: files and PostgreSQL backed up to S3 (s3rver) and restored', function () {
  this.timeout(300_000);
  const server = new S3rverProcess();
  const suffix = randomBytes(4).toString('hex');
  const db = `vya_s3_${suffix}`;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_MINIO_USERNAME: 'S3RVER', VYA_SECRET_MINIO_PASSWORD: 'S3RVER', VYA_SECRET_REPO_PASSWORD: `repo passphrase ${suffix}` });

  before(async () => {
    await server.start(['backups']);
    dir = await tempDir('vya-e2e-s3-');
    await mkdir(join(dir.path, 'files', 'sub'), { recursive: true });
    await writeFile(join(dir.path, 'files', 'sub', 'hello.txt'), 'hello from s3\n');
    psql(`CREATE DATABASE ${db}`);
    psql("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g", db);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  files: { type: files, paths: [./files] }
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: [${db}] }
sinks:
  minio:
    type: s3
    bucket: backups
    prefix: vya/
    endpoint: ${server.endpoint}
    force_path_style: true
    access_key_id: "secret:minio.username"
    secret_access_key: "secret:minio.password"
    part_size_mb: 5
  nobucket: { type: s3, bucket: no-such-bucket, endpoint: ${server.endpoint}, force_path_style: true, access_key_id: "secret:minio.username", secret_access_key: "secret:minio.password" }
jobs:
  files: { source: files, sink: minio, encryption: { passphrase: "secret:repo.password" } }
  pg: { source: pg, sink: minio }
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
    for (const step of ['write', 'read', 'list', 'delete']) expect(checks.find((c) => c.name === `sink minio: ${step}`)?.ok, step).to.equal(true);
    expect(checks.find((c) => c.name === 'sink nobucket: bucket')).to.deep.include({ ok: false, detail: 'bucket "no-such-bucket" does not exist' });
    expect(result.stdout + result.stderr).to.not.include(`repo passphrase ${suffix}`);
  });

  it('backs up both jobs into the bucket and restores them from it', async () => {
    const backup = await runVya(['backup', 'files', 'pg', '--config', config], { env: env() });
    expect(backup.code, backup.stderr).to.equal(0);
    const listed = await runVya(['snapshots', '--json', '--config', config], { env: env() });
    // The bucket-less sink cannot be listed: a warning and exit 1, and the rest still listed.
    expect(listed.code).to.equal(1);
    expect(listed.stderr).to.match(/sink nobucket could not be listed: bucket "no-such-bucket" does not exist/);
    const rows = parseJson<{ job: string; unit: string; sink: string }[]>(listed);
    expect(rows.map((r) => `${r.job}/${r.sink}`).sort()).to.deep.equal(['files/minio', 'pg/minio']);

    const target = join(dir.path, 'restored');
    const files = await runVya(['restore', `files/${rows.find((r) => r.job === 'files')!.unit}@latest`, '--to', target, '--config', config], { env: env() });
    expect(files.code, files.stderr).to.equal(0);
    expect(await readFile(join(target, 'sub', 'hello.txt'), 'utf8')).to.equal('hello from s3\n');

    const pg = await runVya(['restore', `pg/${db}@latest`, '--to', 'pg', '--database', `${db}_back`, '--config', config], { env: env() });
    expect(pg.code, pg.stderr).to.equal(0);
    const checksum = (name: string) => psql("SELECT count(*) || md5(string_agg(id || v, ',' ORDER BY id)) FROM t", name);
    expect(checksum(`${db}_back`)).to.equal(checksum(db));

    const verify = await runVya(['verify', '--all', '--config', config, '--json'], { env: env() });
    expect(verify.code, verify.stderr).to.equal(0);
    expect(parseJson<{ results: { ok: boolean; checked: string }[] }>(verify).results.every((r) => r.ok && r.checked === 'full')).to.equal(true);
  });
});
