import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../../../test/support/cli.js';

function sql(statement: string, database?: string): string {
  return execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '-N', '-B', ...(database ? [database] : []), '-e', statement], { encoding: 'utf8' }).trim();
}

/** The tables and views of a database with row counts and checksums: changes when a restore touched it. */
function fingerprint(database: string): string {
  const tables = sql(`SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${database}' ORDER BY 1`);
  const checksums = tables
    .split('\n')
    .filter((line) => line.endsWith('BASE TABLE'))
    .map((line) => sql(`CHECKSUM TABLE \`${line.split('\t')[0]}\``, database));
  return [tables, ...checksums].join('\n');
}

function databaseExists(name: string): boolean {
  return sql(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${name}'`) === '1';
}

describe('mysql restore safety: explicit targets, no clobbering, real errors, nothing damaged applied (MariaDB)', function () {
  this.timeout(300_000);
  const suffix = randomBytes(4).toString('hex');
  const db = `vya_mrs_${suffix}`;
  const existing = `${db}_existing`;
  const viewClash = `${db}_view`;
  const created = [db, existing, viewClash, `${db}_new`, `${db}_truncated`, `${db}_unverified`];
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let env: Record<string, string>;
  const vya = (...args: string[]) => runVya([...args, '--config', config], { env });

  before(async () => {
    dir = await tempDir('vya-e2e-mysql-safety-');
    env = { VYA_STATE_DIR: join(dir.path, 'state') };
    sql(`CREATE DATABASE ${db}`);
    sql('CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(64)) ENGINE=InnoDB; INSERT INTO orders SELECT seq, MD5(seq) FROM seq_1_to_30000', db);
    sql('CREATE TABLE bodies (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB; INSERT INTO bodies SELECT seq, REPEAT(MD5(seq), 4) FROM seq_1_to_30000', db);
    sql(`CREATE DATABASE ${existing}`);
    sql("CREATE TABLE keep (id INT PRIMARY KEY, what TEXT); INSERT INTO keep VALUES (1, 'precious')", existing);
    sql(`CREATE DATABASE ${viewClash}`);
    sql('CREATE VIEW orders AS SELECT 1 AS id', viewClash);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  my: { type: mariadb, host: 127.0.0.1, username: root, include: [${db}] }
  my-other: { type: mariadb, host: 127.0.0.1, username: root, include: [${db}] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  my: { source: my, sink: repo, compression: { algorithm: none } }
`,
    );
    const backup = await vya('backup', 'my');
    expect(backup.code, backup.stdout + backup.stderr).to.equal(0);
    // After the backup: a restore over the source would take this row away again.
    sql("INSERT INTO orders VALUES (999999, 'added after the backup')", db);
  });

  after(async () => {
    for (const name of created) sql(`DROP DATABASE IF EXISTS ${name}`);
    await dir.cleanup();
  });

  it('a --to that names no configured source is an error listing the mariadb sources; the source database is untouched', async () => {
    const before = fingerprint(db);
    const result = await vya('restore', `my/${db}@latest`, '--to', 'my-typo');
    expect(result.code, result.stdout).to.equal(2);
    expect(result.stderr).to.match(/--to "my-typo" is not a configured source; mariadb sources in the config: my, my-other/);
    expect(fingerprint(db)).to.equal(before);
  });

  it('a missing --to is an error listing the mariadb sources; the source database is untouched', async () => {
    const before = fingerprint(db);
    const result = await vya('restore', `my/${db}@latest`);
    expect(result.code, result.stdout).to.equal(2);
    expect(result.stderr).to.match(/needs --to: the mariadb source to restore into \(mariadb sources in the config: my, my-other\)/);
    expect(fingerprint(db)).to.equal(before);
  });

  it('a database that holds objects is refused without --clean, although the dump would drop its tables itself', async () => {
    for (const target of [existing, db]) {
      const before = fingerprint(target);
      const result = await vya('restore', `my/${db}@latest`, '--to', 'my', '--database', target);
      expect(result.code, result.stdout).to.equal(2);
      expect(result.stderr).to.match(new RegExp(`database ${target} on 127.0.0.1:3306 holds \\d+ tables?; pass --clean to replace them`));
      expect(fingerprint(target)).to.equal(before);
    }
  });

  it('with --clean the snapshot replaces the objects, and restoring into its own database says so', async () => {
    const result = await vya('restore', `my/${db}@latest`, '--to', 'my', '--clean');
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`restored ${db} into database ${db} \\(the very database this snapshot was taken from, on source my\\)`));
    expect(sql('SELECT COUNT(*) FROM orders WHERE id = 999999', db)).to.equal('0');
  });

  it("a failing load shows the client's ERROR line, never EPIPE, and says what was changed", async () => {
    const result = await vya('restore', `my/${db}@latest`, '--to', 'my', '--database', viewClash, '--clean');
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr, result.stderr).to.match(/ERROR 1050 \(42S01\) at line \d+: Table 'orders' already exists/);
    expect(result.stderr).to.match(new RegExp(`database ${viewClash} was partly changed: the dump's statements before line \\d+ were applied`));
    expect(result.stderr).to.not.match(/EPIPE/);
  });

  describe('a truncated snapshot', () => {
    before(() => {
      const file = execFileSync('find', [join(dir.path, 'repo', 'data', 'my', db), '-type', 'f'], { encoding: 'utf8' }).trim();
      const bytes = readFileSync(file);
      writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    });

    it('is verified before anything is applied: an existing database is untouched, a new one is never created', async () => {
      const before = fingerprint(db);
      const over = await vya('restore', `my/${db}@latest`, '--to', 'my', '--clean');
      expect(over.code).to.equal(1);
      expect(over.stderr).to.match(/does not match its manifest/);
      expect(fingerprint(db)).to.equal(before);
      const fresh = await vya('restore', `my/${db}@latest`, '--to', 'my', '--database', `${db}_truncated`);
      expect(fresh.code).to.equal(1);
      expect(databaseExists(`${db}_truncated`)).to.equal(false);
    });

    it('with --no-verify-first the partly loaded new database is dropped again', async () => {
      const result = await vya('restore', `my/${db}@latest`, '--to', 'my', '--database', `${db}_unverified`, '--no-verify-first');
      expect(result.code).to.equal(1);
      expect(result.stderr).to.match(new RegExp(`does not match its manifest.*database ${db}_unverified, which this restore created, was dropped again`));
      expect(databaseExists(`${db}_unverified`)).to.equal(false);
    });
  });
});
