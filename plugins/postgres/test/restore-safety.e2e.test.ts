import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../../../test/support/cli.js';

function psql(sql: string, database = 'postgres'): string {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8', env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } }).trim();
}

/** Every table's row count and ordered checksum: changes when a restore touched the database. */
function fingerprint(database: string): string {
  const tables = psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", database).split('\n');
  return tables.map((table) => `${table}:${psql(`SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${table} t`, database)}`).join('\n');
}

function databaseExists(name: string): boolean {
  return psql(`SELECT count(*) FROM pg_database WHERE datname = '${name}'`) === '1';
}

describe('postgres restore safety: explicit targets, no clobbering, real errors, clean failures', function () {
  this.timeout(300_000);
  const suffix = randomBytes(4).toString('hex');
  const db = `vya_rs_${suffix}`;
  const big = `vya_rs_big_${suffix}`;
  const existing = `vya_rs_${suffix}_existing`;
  const role = `vya_rs_role_${suffix}`;
  const created = [db, big, existing, `${db}_new`, `${db}_dry`, `${db}_damaged`, `${db}_norole`];
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let env: Record<string, string>;
  const vya = (...args: string[]) => runVya([...args, '--config', config], { env });

  before(async () => {
    dir = await tempDir('vya-e2e-pg-safety-');
    env = { VYA_STATE_DIR: join(dir.path, 'state') };
    psql(`CREATE DATABASE ${db}`);
    psql(`CREATE ROLE ${role}`);
    psql(
      `CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 5000) g;
       CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 500) g;
       CREATE TABLE owned (id int); ALTER TABLE owned OWNER TO ${role};
       CREATE TABLE zz_tail AS SELECT g AS id, repeat(md5(g::text), 4) AS body FROM generate_series(1, 20000) g;`,
      db,
    );
    // About 50 MB of rows, for the dry run that must not read them all.
    psql(`CREATE DATABASE ${big}`);
    psql('CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 4) AS body FROM generate_series(1, 350000) g', big);
    psql(`CREATE DATABASE ${existing}`);
    psql("CREATE TABLE keep (id int PRIMARY KEY, what text); INSERT INTO keep VALUES (1, 'precious')", existing);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  pg: { type: postgres, host: 127.0.0.1, port: 5432, username: postgres, include: [${db}, ${big}] }
  pg-other: { type: postgres, host: 127.0.0.1, port: 5432, username: postgres, include: [${db}] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  pg: { source: pg, sink: repo, compression: { algorithm: none } }
`,
    );
    const backup = await vya('backup', 'pg');
    expect(backup.code, backup.stdout + backup.stderr).to.equal(0);
    // After the backup: a restore over the source would bring the old row back.
    psql("INSERT INTO orders VALUES (999999, 'added after the backup')", db);
  });

  after(async () => {
    for (const name of created) psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    psql(`DROP ROLE IF EXISTS ${role}`);
    await dir.cleanup();
  });

  it('a --to that names no configured source is an error listing the postgres sources; the source database is untouched', async () => {
    const before = fingerprint(db);
    const result = await vya('restore', `pg/${db}@latest`, '--to', 'pg-typo', '--clean');
    expect(result.code, result.stdout).to.equal(2);
    expect(result.stderr).to.match(/--to "pg-typo" is not a configured source; postgres sources in the config: pg, pg-other/);
    expect(fingerprint(db)).to.equal(before);
  });

  it('a missing --to is an error listing the postgres sources; the source database is untouched', async () => {
    const before = fingerprint(db);
    const result = await vya('restore', `pg/${db}@latest`, '--clean');
    expect(result.code, result.stdout).to.equal(2);
    expect(result.stderr).to.match(/needs --to: the postgres source to restore into \(postgres sources in the config: pg, pg-other\)/);
    expect(fingerprint(db)).to.equal(before);
  });

  it('a database that holds objects is refused without --clean, before anything is touched', async () => {
    const before = fingerprint(existing);
    const result = await vya('restore', `pg/${db}@latest`, '--to', 'pg', '--database', existing);
    expect(result.code, result.stdout).to.equal(2);
    expect(result.stderr).to.match(new RegExp(`database ${existing} on 127.0.0.1:5432 holds 1 table; pass --clean to replace them`));
    expect(result.stderr).to.not.match(/EPIPE/);
    expect(fingerprint(existing)).to.equal(before);
  });

  it('restoring into the very database the snapshot came from says so', async () => {
    const result = await vya('restore', `pg/${db}@latest`, '--to', 'pg', '--clean');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`restored ${db} into database ${db} \\(the very database this snapshot was taken from, on source pg\\)`));
    expect(psql('SELECT count(*) FROM orders WHERE id = 999999', db)).to.equal('0');
    psql("INSERT INTO orders VALUES (999999, 'added after the backup')", db);
  });

  it("a pg_restore failure shows pg_restore's own message and drops the database it created", async () => {
    psql(`REASSIGN OWNED BY ${role} TO postgres`, db);
    psql(`DROP ROLE ${role}`);
    try {
      const result = await vya('restore', `pg/${db}@latest`, '--to', 'pg', '--database', `${db}_norole`);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(new RegExp(`role "${role}" does not exist`));
      expect(result.stderr).to.match(new RegExp(`database ${db}_norole, which this restore created, was dropped again`));
      expect(result.stderr).to.not.match(/EPIPE/);
      expect(databaseExists(`${db}_norole`)).to.equal(false);
    } finally {
      psql(`CREATE ROLE ${role}`);
    }
  });

  it('restore --dry-run of a ~50 MB database lists the archive, reads no more than it needs and changes nothing', async () => {
    const stored = Number(execFileSync('sh', ['-c', `find "${join(dir.path, 'repo', 'data', 'pg', big)}" -type f -exec stat -c %s {} +`], { encoding: 'utf8' }).trim());
    expect(stored).to.be.greaterThan(45 * 1024 * 1024);
    const result = await vya('restore', `pg/${big}@latest`, '--to', 'pg', '--database', `${db}_dry`, '--dry-run');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`would restore \\d+ archive entries of ${big} into database ${db}_dry`));
    expect(databaseExists(`${db}_dry`)).to.equal(false);
  });

  it('a damaged snapshot is not applied: streamed, the new database is gone; with --jobs, an existing one is untouched', async () => {
    const file = execFileSync('find', [join(dir.path, 'repo', 'data', 'pg', db), '-type', 'f'], { encoding: 'utf8' }).trim();
    const bytes = readFileSync(file);
    // A hex digit of the last table's rows, changed into another one: pg_restore would load it.
    let at = bytes.length - 5000;
    while (!/[0-9a-f]/.test(String.fromCharCode(bytes[at]))) at -= 1;
    bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30;
    writeFileSync(file, bytes);
    const result = await vya('restore', `pg/${db}@latest`, '--to', 'pg', '--database', `${db}_damaged`);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/does not match its manifest/);
    expect(databaseExists(`${db}_damaged`)).to.equal(false);
    // --jobs stages the archive first: pg_restore never starts, the existing database is untouched.
    const before = fingerprint(existing);
    const parallel = await vya('restore', `pg/${db}@latest`, '--to', 'pg', '--database', existing, '--clean', '--jobs', '2');
    expect(parallel.code).to.equal(1);
    expect(parallel.stderr).to.match(new RegExp(`does not match its manifest.*; database ${existing} was left as it was`));
    expect(fingerprint(existing)).to.equal(before);
  });
});
