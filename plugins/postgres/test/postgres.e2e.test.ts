import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../../../test/support/cli.js';
import { ThrowawayPostgres } from '../../../test/support/throwaway-postgres.js';
import { freePort } from '../../../test/support/free-port.js';
import { killWhen } from '../../../test/support/kill-when.js';

const fixture = readFileSync(fileURLToPath(new URL('./fixture.sql', import.meta.url)), 'utf8');

function psql(sql: string, database = 'postgres'): string {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();
}

/** Row count and an ordered checksum of every table, plus the objects a restore must bring back. */
function fingerprint(database: string): Record<string, string> {
  const tables = psql("SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname = 'app' ORDER BY 1", database).split('\n');
  const result: Record<string, string> = {};
  for (const table of tables) result[table] = psql(`SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${table} t`, database);
  result.sequence = psql('SELECT last_value FROM app.invoice_seq', database);
  result.view = psql('SELECT count(*) || sum(total)::text FROM app.big_spenders', database);
  result.trigger = psql("SELECT count(*) FROM pg_trigger WHERE tgname = 'invoices_audit'", database);
  result.function = psql("SELECT md5(prosrc) FROM pg_proc WHERE proname = 'log_invoice'", database);
  result.extension = psql("SELECT extname FROM pg_extension WHERE extname = 'pgcrypto'", database);
  result.largeObjects = psql('SELECT count(*) || md5(coalesce(string_agg(md5(lo_get(oid)), \',\' ORDER BY oid), \'\')) FROM pg_largeobject_metadata', database);
  return result;
}

interface Row {
  id: string;
  unit: string;
  kind: string;
}

describe('postgres source: end to end through the vya binary', function () {
  this.timeout(300_000);
  const suffix = randomBytes(4).toString('hex');
  const db = `vya_pg_${suffix}`;
  const restored = `vya_pg_${suffix}_restored`;
  const parallel = `vya_pg_${suffix}_parallel`;
  const byHand = `vya_pg_${suffix}_byhand`;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let identity: string;
  let env: Record<string, string>;

  before(async () => {
    dir = await tempDir('vya-e2e-pg-');
    env = { VYA_STATE_DIR: join(dir.path, 'state') };
    psql(`CREATE DATABASE ${db}`);
    execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-q'], { input: fixture });
    psql(`ANALYZE`, db);
    identity = join(dir.path, 'key.txt');
    execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  pg: { type: postgres, host: 127.0.0.1, port: 5432, username: postgres, include: [${db}], globals: true, concurrency: 2 }
  missing: { type: postgres, host: 127.0.0.1, username: postgres, include: [vya_no_such_db_${suffix}] }
  unreachable: { type: postgres, host: 127.0.0.1, port: 1, username: postgres }
  notools: { type: postgres, host: 127.0.0.1, username: postgres, include: [${db}], bin_dir: /nonexistent/bin }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  pg: { source: pg, sink: repo, compression: { algorithm: zstd, level: 3 }, encryption: { recipients: [${recipient}] } }
  missing: { source: missing, sink: repo }
  unreachable: { source: unreachable, sink: repo }
  notools: { source: notools, sink: repo }
`,
    );
  });

  after(async () => {
    for (const name of [db, restored, parallel, byHand]) psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dir.cleanup();
  });

  it('check reports the server and tool versions', async () => {
    const result = await runVya(['check', '--config', config, '--json'], { env });
    const checks = parseJson<{ checks: { name: string; ok: boolean; detail: string }[] }>(result).checks;
    expect(checks.find((c) => c.name === 'source pg: server')?.detail).to.match(/^PostgreSQL 15\.\d+ at 127\.0\.0\.1:5432$/);
    expect(checks.find((c) => c.name === 'source pg: pg_dump')?.detail).to.match(/^version 15\./);
    expect(checks.find((c) => c.name === 'source unreachable: server')).to.deep.include({ ok: false, detail: 'cannot reach PostgreSQL at 127.0.0.1:1: connection refused' });
    expect(checks.find((c) => c.name === 'source notools: pg_dump')?.detail).to.match(/pg_dump not found/);
  });

  let snapshots: Row[];

  it('backs up the database and the cluster globals, with metadata in the manifest', async () => {
    const result = await runVya(['backup', 'pg', '--config', config], { env });
    expect(result.code, result.stderr).to.equal(0);
    snapshots = parseJson<Row[]>(await runVya(['snapshots', '--job', 'pg', '--json', '--config', config], { env }));
    expect(snapshots.map((s) => `${s.unit}:${s.kind}`).sort()).to.deep.equal([`${db}:database`, 'globals:globals'].sort());
    const manifestFile = execFileSync('find', [join(dir.path, 'repo', 'snapshots', 'pg', db), '-name', '*.json'], { encoding: 'utf8' }).trim();
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { source_metadata: { server_version: string; dump_tool_version: string; database_size: number; tables: { schema: string; name: string; row_estimate: number }[] } };
    expect(manifest.source_metadata.server_version).to.match(/^15\./);
    expect(manifest.source_metadata.dump_tool_version).to.match(/^15\./);
    expect(manifest.source_metadata.database_size).to.be.greaterThan(1_000_000);
    expect(manifest.source_metadata.tables).to.deep.include({ schema: 'app', name: 'customers', row_estimate: 2000, rows: 2000 });
  });

  it('restores into a new database with every row, sequence, view, function, trigger, extension and large object', async () => {
    const result = await runVya(['restore', `pg/${db}@latest`, '--to', 'pg', '--database', restored, '-i', identity, '--config', config], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`restored ${db} into database ${restored} \\(created\\)`));
    expect(fingerprint(restored)).to.deep.equal(fingerprint(db));
  });

  it('restores in parallel with --jobs, and over an existing database with --clean', async () => {
    const first = await runVya(['restore', `pg/${db}@latest`, '--to', 'pg', '--database', parallel, '--jobs', '3', '-i', identity, '--config', config], { env });
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/with 3 jobs/);
    expect(fingerprint(parallel)).to.deep.equal(fingerprint(db));
    psql('DELETE FROM app.audit', parallel);
    const again = await runVya(['restore', `pg/${db}@latest`, '--to', 'pg', '--database', parallel, '--clean', '-i', identity, '--config', config], { env });
    expect(again.code, again.stderr).to.equal(0);
    expect(fingerprint(parallel)).to.deep.equal(fingerprint(db));
  });

  it('the standard tools restore a snapshot without vya: age -d | zstd -d | pg_restore', async () => {
    const stored = execFileSync('find', [join(dir.path, 'repo', 'data', 'pg', db), '-name', '*.pgdump.zst.age'], { encoding: 'utf8' }).trim();
    psql(`CREATE DATABASE ${byHand}`);
    execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | zstd -d | pg_restore -h 127.0.0.1 -U postgres --exit-on-error -d "$3"', 'sh', identity, stored, byHand]);
    expect(fingerprint(byHand)).to.deep.equal(fingerprint(db));
  });

  it('the globals snapshot holds the roles, restorable with --dry-run to show it', async () => {
    const result = await runVya(['restore', 'pg/globals@latest', '--to', 'pg', '--dry-run', '--json', '-i', identity, '--config', config], { env });
    expect(result.code, result.stderr).to.equal(0);
    const body = parseJson<{ summary: string; details: { sql: string } }>(result);
    expect(body.details.sql).to.match(/CREATE ROLE postgres;/);
  });

  it('an unknown database in include fails the job, naming it', async () => {
    const result = await runVya(['backup', 'missing', '--config', config], { env });
    expect(result.code).to.equal(1);
    expect(result.stdout + result.stderr).to.match(new RegExp(`database in include not found on the server: vya_no_such_db_${suffix}`));
  });

  it('a missing pg_dump fails the unit with the tool named, and stores nothing', async () => {
    const result = await runVya(['backup', 'notools', '--config', config, '--json'], { env });
    expect(result.code).to.equal(1);
    const run = parseJson<{ runs: { units: { unit: string; status: string; error: string }[] }[] }>(result).runs[0];
    expect(run.units[0]).to.deep.include({ unit: db, status: 'failed' });
    expect(run.units[0].error).to.match(/pg_dump not found/);
    expect(parseJson<Row[]>(await runVya(['snapshots', '--job', 'notools', '--json', '--config', config], { env }))).to.deep.equal([]);
  });
});

describe('postgres source: password authentication and a server that dies mid-dump', function () {
  this.timeout(300_000);
  let cluster: ThrowawayPostgres;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_PG_PASSWORD: cluster.password, VYA_SECRET_WRONG_PASSWORD: 'not the password' });

  before(async () => {
    cluster = new ThrowawayPostgres(await freePort());
    cluster.start();
    cluster.psql('CREATE DATABASE big');
    // About 400 MB of rows: long enough to dump that the server can be killed half-way.
    cluster.psql("CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 12) AS body FROM generate_series(1, 1000000) g", 'big');
    dir = await tempDir('vya-e2e-pg-auth-');
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  good: { type: postgres, host: 127.0.0.1, port: ${cluster.port}, username: postgres, password: "secret:pg.password", include: [big] }
  bad: { type: postgres, host: 127.0.0.1, port: ${cluster.port}, username: postgres, password: "secret:wrong.password", include: [big] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  good: { source: good, sink: repo, compression: { algorithm: gzip, level: 9 } }
  bad: { source: bad, sink: repo }
`,
    );
  });
  after(async () => {
    cluster?.destroy();
    await dir?.cleanup();
  });

  it('a wrong password is one clear line, and never shows the password', async () => {
    const result = await runVya(['backup', 'bad', '--config', config], { env: env() });
    expect(result.code).to.equal(1);
    expect(result.stdout + result.stderr).to.match(/authentication failed for user "postgres"/);
    expect(result.stdout + result.stderr).to.not.include('not the password');
  });

  it('check with the right password from the secret store passes', async () => {
    const result = await runVya(['check', '--config', config], { env: env() });
    expect(result.stdout).to.match(/ok {4}source good: server: PostgreSQL 15/);
    expect(result.stdout + result.stderr).to.not.include(cluster.password);
  });

  it('a server stopped mid-dump: non-zero exit naming the database, nothing listed, no partial object', async () => {
    // Killed once pg_dump is copying the table's rows (its COPY is on the server).
    const dumping = () => Number(cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE 'COPY %'")) > 0;
    const killer = killWhen(dumping, () => cluster.kill());
    const result = await runVya(['backup', 'good', '--config', config, '--json'], { env: env() });
    killer.stop();
    expect(await killer.fired, 'the server was killed while the dump ran').to.equal(true);
    expect(result.code).to.equal(1);
    const unit = parseJson<{ runs: { units: { unit: string; status: string; error: string }[] }[] }>(result).runs[0].units[0];
    expect(unit).to.deep.include({ unit: 'big', status: 'failed' });
    expect(unit.error).to.match(/pg_dump of database big failed/);
    const files = await readdir(join(dir.path, 'repo'), { recursive: true, withFileTypes: true }).catch(() => []);
    expect(files.filter((f) => f.isFile()).map((f) => f.name)).to.deep.equal([]);
    cluster.start();
    expect(parseJson<Row[]>(await runVya(['snapshots', '--json', '--config', config], { env: env() }))).to.deep.equal([]);
  });
});
