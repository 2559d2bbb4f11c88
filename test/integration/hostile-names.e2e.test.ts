import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../support/cli.js';

/** Backquoted MariaDB identifier for the test's own statements. */
function ident(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function mariadb(statement: string): string {
  return execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '-N', '-B', '-e', statement], { encoding: 'utf8' }).trim();
}

function psql(statement: string, database = 'postgres'): string {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`, '-XAtqc', statement], { encoding: 'utf8' }).trim();
}

function pgIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SQL a local-sink snapshot of `unit` holds (zstd, not encrypted). */
function storedDump(repo: string, job: string, unit: string): string {
  const file = execFileSync('find', [join(repo, 'data', job, encodeURIComponent(unit)), '-type', 'f'], { encoding: 'utf8' }).trim();
  return execFileSync('zstd', ['-dc', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe('end to end: database names that look like options or connection strings', function () {
  this.timeout(300_000);
  const suffix = randomBytes(4).toString('hex');
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state') });
  // Set in before(): they hold the test's private directory.
  let truncating: string;
  let creating: string;
  const allDatabases = '--all-databases';
  const myRestored = `vya_hostile_${suffix}_r`;
  const myOptionTarget = `--skip-column-names-${suffix}`;
  const hostileUser = `vya_h'\\\`"${suffix}`;
  let pgOutput: string;
  const pgHelp = `--help ${suffix}`;
  const pgVictim = `vya_hostile_${suffix}_victim`;
  const pgConnString = `dbname=${pgVictim}`;

  before(async () => {
    dir = await tempDir('vya-e2e-hostile-');
    truncating = `-r${join(dir.path, 'important.conf')}`;
    creating = `-r${join(dir.path, 'created.conf')}`;
    pgOutput = `-f${join(dir.path, 'pg-created.sql')}`;
    await writeFile(join(dir.path, 'important.conf'), 'keep me\n');
    for (const name of [truncating, creating]) mariadb(`CREATE DATABASE ${ident(name)}; CREATE TABLE ${ident(name)}.marker_${suffix} (a INT); INSERT INTO ${ident(name)}.marker_${suffix} VALUES (7)`);
    mariadb(`CREATE USER ${ident(hostileUser)}@'%' IDENTIFIED BY 'pw'; GRANT SELECT ON ${ident(truncating)}.* TO ${ident(hostileUser)}@'%'`);
    mariadb(`CREATE DATABASE IF NOT EXISTS ${ident(allDatabases)}; CREATE TABLE IF NOT EXISTS ${ident(allDatabases)}.only_${suffix} (a INT)`);
    for (const name of [pgOutput, pgHelp]) {
      psql(`CREATE DATABASE ${pgIdent(name)}`);
      psql(`CREATE TABLE marker_${suffix} (a int); INSERT INTO marker_${suffix} VALUES (7)`, name);
    }
    psql(`CREATE DATABASE ${pgIdent(pgVictim)}`);
    config = join(dir.path, 'vya.yml');
    const yamlList = (names: string[]) => `[${names.map((n) => JSON.stringify(n)).join(', ')}]`;
    await writeFile(
      config,
      `sources:
  my: { type: mariadb, host: 127.0.0.1, username: root, include: ${yamlList([truncating, creating, allDatabases])}, users: true, user_filter: ["vya_h*${suffix}"] }
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: ${yamlList([pgOutput, pgHelp])} }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  my: { source: my, sink: repo, compression: { algorithm: zstd } }
  pg: { source: pg, sink: repo, compression: { algorithm: zstd } }
`,
    );
  });

  after(async () => {
    mariadb(`DROP USER IF EXISTS ${ident(hostileUser)}@'%'`);
    for (const name of [truncating, creating, myRestored, myOptionTarget]) mariadb(`DROP DATABASE IF EXISTS ${ident(name)}`);
    mariadb(`DROP TABLE IF EXISTS ${ident(allDatabases)}.only_${suffix}`);
    if (mariadb(`SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '--all-databases'`) === '0') mariadb(`DROP DATABASE IF EXISTS ${ident(allDatabases)}`);
    for (const name of [pgOutput, pgHelp, pgVictim, pgConnString]) psql(`DROP DATABASE IF EXISTS ${pgIdent(name)} WITH (FORCE)`);
    await dir.cleanup();
  });

  it('MariaDB: `-r<file>` databases are backed up as databases; no file is truncated or created', async () => {
    const result = await runVya(['backup', 'my', '--config', config], { env: env() });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(readFileSync(join(dir.path, 'important.conf'), 'utf8')).to.equal('keep me\n');
    expect(existsSync(join(dir.path, 'created.conf'))).to.equal(false);
    for (const name of [truncating, creating]) expect(storedDump(join(dir.path, 'repo'), 'my', name)).to.include(`CREATE TABLE \`marker_${suffix}\``);
  });

  it('MariaDB: the `--all-databases` unit holds only that database', () => {
    const dump = storedDump(join(dir.path, 'repo'), 'my', allDatabases);
    expect(dump).to.include(`CREATE TABLE \`only_${suffix}\``);
    expect(dump).to.not.match(/^CREATE DATABASE/m);
    expect(dump).to.not.match(/^USE /m);
    expect(dump).to.not.include(`marker_${suffix}`);
  });

  it('MariaDB: a `-r<file>` unit restores into a new database, and into a target named like an option', async () => {
    const result = await runVya(['restore', `my/${truncating}@latest`, '--to', 'my', '--database', myRestored, '--config', config], { env: env() });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(mariadb(`SELECT a FROM ${ident(myRestored)}.marker_${suffix}`)).to.equal('7');
    const named = await runVya(['restore', `my/${creating}@latest`, '--to', 'my', `--database=${myOptionTarget}`, '--config', config], { env: env() });
    expect(named.code, named.stdout + named.stderr).to.equal(0);
    expect(mariadb(`SELECT a FROM ${ident(myOptionTarget)}.marker_${suffix}`)).to.equal('7');
    expect(existsSync(join(dir.path, 'created.conf'))).to.equal(false);
  });

  it('MariaDB: a user named with quotes, backquotes and a backslash is backed up and restored with its grant', async () => {
    const grant = `GRANT SELECT ON ${ident(truncating)}.* TO ${ident(hostileUser)}@\`%\``;
    mariadb(`DROP USER ${ident(hostileUser)}@'%'`);
    const result = await runVya(['restore', 'my/users@latest', '--to', 'my', '--config', config], { env: env() });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const grants = execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '-N', '-B', '--raw', '-e', `SHOW GRANTS FOR ${ident(hostileUser)}@'%'`], { encoding: 'utf8' });
    expect(grants).to.include(grant);
  });

  it('PostgreSQL: `-f<file>` and `--help` databases are backed up as databases; no file is created', async () => {
    const result = await runVya(['backup', 'pg', '--config', config], { env: env() });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(existsSync(join(dir.path, 'pg-created.sql'))).to.equal(false);
  });

  it('PostgreSQL: a restore target named like a connection string is a name, not another database', async () => {
    const result = await runVya(['restore', `pg/${pgOutput}@latest`, '--to', 'pg', '--database', pgConnString, '--jobs', '2', '--config', config], { env: env() });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(psql(`SELECT a FROM marker_${suffix}`, pgConnString)).to.equal('7');
    expect(psql(`SELECT COUNT(*) FROM pg_tables WHERE tablename = 'marker_${suffix}'`, pgVictim)).to.equal('0');
    const single = await runVya(['restore', `pg/${pgHelp}@latest`, '--to', 'pg', '--database', pgConnString, '--clean', '--config', config], { env: env() });
    expect(single.code, single.stdout + single.stderr).to.equal(0);
    expect(psql(`SELECT COUNT(*) FROM pg_tables WHERE tablename = 'marker_${suffix}'`, pgVictim)).to.equal('0');
  });
});
