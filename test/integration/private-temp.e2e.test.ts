import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir, vyaBin } from '../support/cli.js';

function mariadb(statement: string): string {
  return execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '-N', '-B', '-e', statement], { encoding: 'utf8' }).trim();
}

function psql(statement: string, database = 'postgres'): string {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-XAtqc', statement], { encoding: 'utf8' }).trim();
}

/** Every file named `name` below the given roots. */
async function findFiles(roots: string[], name: string): Promise<string[]> {
  const found: string[] = [];
  for (const root of roots) {
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.name === name && entry.isFile()) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

/**
 * Runs vya and kills it with SIGKILL as soon as a file named `name` (with at least `minBytes`)
 * appears below `roots`; returns where it was.
 */
async function killWhenFileAppears(args: string[], env: Record<string, string>, roots: string[], name: string, minBytes = 0): Promise<string> {
  const child = spawn(process.execPath, [vyaBin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 120_000;
  try {
    while (Date.now() < deadline) {
      for (const file of await findFiles(roots, name)) {
        if (((await stat(file).catch(() => undefined))?.size ?? -1) >= minBytes) {
          child.kill('SIGKILL');
          await exited;
          return file;
        }
      }
      if (child.exitCode !== null) throw new Error(`vya ${args.join(' ')} ended before ${name} appeared`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`${name} never appeared`);
  } finally {
    child.kill('SIGKILL');
  }
}

describe('end to end: secrets and plaintext on disk after kill -9', function () {
  this.timeout(300_000);
  const suffix = randomBytes(4).toString('hex');
  const myDb = `vya_tmp_${suffix}`;
  const pgDb = `vya_tmp_${suffix}`;
  const pgTarget = `vya_tmp_${suffix}_restored`;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let env: Record<string, string>;
  let roots: string[];

  before(async () => {
    dir = await tempDir('vya-e2e-private-temp-');
    // TMPDIR of its own, so whatever vya leaves there is found (and nothing of other tests).
    await mkdir(join(dir.path, 'tmpdir'));
    env = { VYA_STATE_DIR: join(dir.path, 'state'), TMPDIR: join(dir.path, 'tmpdir'), VYA_SECRET_MY_PASSWORD: `pw-${suffix}` };
    roots = [join(dir.path, 'tmpdir'), join(dir.path, 'state')];
    mariadb(`CREATE USER 'vya_tmp_${suffix}'@'%' IDENTIFIED BY 'pw-${suffix}'; GRANT ALL ON *.* TO 'vya_tmp_${suffix}'@'%'`);
    mariadb(`CREATE DATABASE ${myDb}; CREATE TABLE ${myDb}.t (id INT PRIMARY KEY, v TEXT); INSERT INTO ${myDb}.t SELECT seq, REPEAT(MD5(seq), 20) FROM ${myDb}.seq_1_to_60000`);
    psql(`CREATE DATABASE ${pgDb}`);
    psql(`CREATE TABLE t AS SELECT g AS id, repeat(md5(g::text), 20) AS v FROM generate_series(1, 150000) g`, pgDb);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  my: { type: mariadb, host: 127.0.0.1, username: vya_tmp_${suffix}, password: "secret:my.password", include: [${myDb}] }
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: [${pgDb}] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  my: { source: my, sink: repo }
  my-again: { source: my, sink: repo }
  pg: { source: pg, sink: repo }
`,
    );
    const pg = await runVya(['backup', 'pg', '--config', config], { env });
    expect(pg.code, pg.stderr).to.equal(0);
  });

  after(async () => {
    mariadb(`DROP DATABASE IF EXISTS ${myDb}; DROP USER IF EXISTS 'vya_tmp_${suffix}'@'%'`);
    for (const name of [pgDb, pgTarget]) psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dir.cleanup();
  });

  it('kill -9 during a MariaDB backup: the option file with the password is gone after the next run', async () => {
    const file = await killWhenFileAppears(['backup', 'my', '--config', config], env, roots, 'client.cnf');
    expect(file.startsWith(join(dir.path, 'state', 'tmp') + '/'), file).to.equal(true);
    expect((await stat(dirname(file))).mode & 0o777).to.equal(0o700);
    expect((await stat(join(dir.path, 'state', 'tmp'))).mode & 0o777).to.equal(0o700);
    // The killed run's repository lock stays until it expires: the next run is another command.
    const next = await runVya(['snapshots', '--config', config], { env });
    expect(next.code, next.stderr).to.equal(0);
    expect(await findFiles(roots, 'client.cnf')).to.deep.equal([]);
    expect(await readdir(join(dir.path, 'state', 'tmp'))).to.deep.equal([]);
  });

  it('kill -9 during a PostgreSQL --jobs restore: the decrypted archive is gone after the next run', async () => {
    const file = await killWhenFileAppears(['restore', `pg/${pgDb}@latest`, '--to', 'pg', '--database', pgTarget, '--jobs', '2', '--config', config], env, roots, 'archive.pgdump', 1);
    expect(file.startsWith(join(dir.path, 'state', 'tmp') + '/'), file).to.equal(true);
    const next = await runVya(['snapshots', '--config', config], { env });
    expect(next.code, next.stderr).to.equal(0);
    expect(await findFiles(roots, 'archive.pgdump')).to.deep.equal([]);
  });

  it('a finished run leaves nothing, and the private dirs of live processes are kept', async () => {
    const live = join(dir.path, 'state', 'tmp', `${process.pid}.${(await import('node:os')).hostname().replace(/[^A-Za-z0-9_-]/g, '_')}.test.0000`);
    await mkdir(live, { recursive: true });
    const result = await runVya(['backup', 'my-again', '--config', config], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(await readdir(join(dir.path, 'state', 'tmp'))).to.deep.equal([live.split('/').pop()]);
    expect(await readdir(join(dir.path, 'tmpdir'))).to.deep.equal([]);
  });
});
