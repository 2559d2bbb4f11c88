import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../../../test/support/cli.js';
import { ThrowawayMariadb } from '../../../test/support/throwaway-mariadb.js';
import { freePort } from '../../../test/support/free-port.js';
import { killWhen } from '../../../test/support/kill-when.js';

const fixture = readFileSync(fileURLToPath(new URL('./fixture.sql', import.meta.url)), 'utf8');

function sql(statement: string, database?: string): string {
  return execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '--default-character-set=utf8mb4', '-N', '-B', ...(database ? [database] : []), '-e', statement], { encoding: 'utf8' }).trim();
}

/** Row counts and ordered checksums of the tables, and the objects a restore must bring back. */
function fingerprint(database: string): Record<string, string> {
  return {
    products: sql("SELECT COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS('|', id, name, price, weight_kg, added, attrs, HEX(image), price_with_tax, name_length) ORDER BY id SEPARATOR '\\n')) FROM products", database),
    audit: sql("SELECT COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS('|', id, product_id, what, at) ORDER BY id SEPARATOR '\\n')) FROM audit", database),
    checksum: sql('CHECKSUM TABLE products, audit', database).replace(new RegExp(database, 'g'), 'DB'),
    view: sql('SELECT COUNT(*), SUM(price) FROM expensive', database),
    routines: sql(`SELECT GROUP_CONCAT(ROUTINE_NAME, ':', MD5(ROUTINE_DEFINITION)) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '${database}'`),
    triggers: sql(`SELECT GROUP_CONCAT(TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${database}'`),
    events: sql(`SELECT GROUP_CONCAT(EVENT_NAME, ':', STATUS) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '${database}'`),
  };
}

interface Row {
  id: string;
  unit: string;
  kind: string;
}

describe('mysql source: end to end through the vya binary (MariaDB)', function () {
  this.timeout(300_000);
  const suffix = randomBytes(4).toString('hex');
  const db = `vya_my_${suffix}`;
  const restored = `${db}_restored`;
  const byHand = `${db}_byhand`;
  const users = [`vya_u1_${suffix}`, `vya_u2_${suffix}`];
  const backupUser = `vya_bk_${suffix}`;
  const backupPassword = `p@ss "wörd" \\ ${suffix}`;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let identity: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_BK_PASSWORD: backupPassword, VYA_SECRET_WRONG_PASSWORD: 'definitely wrong' });

  before(async () => {
    dir = await tempDir('vya-e2e-mysql-');
    sql(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
    execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '--default-character-set=utf8mb4', db], { input: fixture });
    sql(`ANALYZE TABLE products, audit`, db);
    sql(`CREATE USER '${users[0]}'@'%' IDENTIFIED BY 'one'; GRANT SELECT, INSERT ON ${db}.* TO '${users[0]}'@'%'`);
    sql(`CREATE USER '${users[1]}'@'localhost' IDENTIFIED BY 'two'; GRANT SELECT (id, name) ON ${db}.products TO '${users[1]}'@'localhost'; GRANT PROCESS ON *.* TO '${users[1]}'@'localhost'`);
    sql(`CREATE USER '${backupUser}'@'%' IDENTIFIED BY '${backupPassword.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'; GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, RELOAD, PROCESS ON *.* TO '${backupUser}'@'%'`);
    identity = join(dir.path, 'key.txt');
    execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  my: { type: mariadb, host: 127.0.0.1, username: root, include: [${db}], users: true, user_filter: ["vya_u?_${suffix}"] }
  bk: { type: mysql, host: 127.0.0.1, username: ${backupUser}, password: "secret:bk.password", include: [${db}] }
  wrong: { type: mysql, host: 127.0.0.1, username: ${backupUser}, password: "secret:wrong.password" }
  unreachable: { type: mysql, host: 127.0.0.1, port: 1, username: root }
  missing: { type: mysql, host: 127.0.0.1, username: root, include: [vya_no_such_${suffix}] }
  notools: { type: mysql, host: 127.0.0.1, username: root, include: [${db}], dump_tool: /nonexistent/mariadb-dump }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  my: { source: my, sink: repo, compression: { algorithm: zstd }, encryption: { recipients: [${recipient}] } }
  bk: { source: bk, sink: repo }
  wrong: { source: wrong, sink: repo }
  unreachable: { source: unreachable, sink: repo }
  missing: { source: missing, sink: repo }
  notools: { source: notools, sink: repo }
`,
    );
  });

  after(async () => {
    for (const name of [db, restored, byHand]) sql(`DROP DATABASE IF EXISTS ${name}`);
    sql(`DROP USER IF EXISTS '${users[0]}'@'%', '${users[1]}'@'localhost', '${backupUser}'@'%'`);
    await dir.cleanup();
  });

  it('check reports flavour, version and the dump tool', async () => {
    const result = await runVya(['check', '--config', config, '--json'], { env: env() });
    const checks = parseJson<{ checks: { name: string; ok: boolean; detail: string }[] }>(result).checks;
    expect(checks.find((c) => c.name === 'source my: server')?.detail).to.match(/^MariaDB 10\.11\.\d+$/);
    expect(checks.find((c) => c.name === 'source my: dump tool')?.detail).to.match(/^mariadb-dump 10\.11\.\d+/);
    expect(checks.find((c) => c.name === 'source unreachable: server')?.detail).to.equal('cannot reach MySQL at 127.0.0.1:1: connection refused');
    expect(checks.find((c) => c.name === 'source wrong: server')?.detail).to.match(/access denied for user/);
    expect(result.stdout + result.stderr).to.not.include('definitely wrong');
  });

  it('backs up the database and the users, recording versions and tables', async () => {
    const result = await runVya(['backup', 'my', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    const rows = parseJson<Row[]>(await runVya(['snapshots', '--job', 'my', '--json', '--config', config], { env: env() }));
    expect(rows.map((r) => `${r.unit}:${r.kind}`).sort()).to.deep.equal([`${db}:database`, 'users:users'].sort());
    const manifestFile = execFileSync('find', [join(dir.path, 'repo', 'snapshots', 'my', db), '-name', '*.json'], { encoding: 'utf8' }).trim();
    const metadata = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { source_metadata: { flavour: string; dump_tool_version: string; tables: { name: string; row_estimate: number }[] } }).source_metadata;
    expect(metadata.flavour).to.equal('mariadb');
    expect(metadata.dump_tool_version).to.match(/^10\.11/);
    expect(metadata.tables.map((t) => t.name)).to.deep.equal(['audit', 'products']);
    expect(metadata.tables.find((t) => t.name === 'products')?.row_estimate).to.be.greaterThan(1000);
  });

  it('restores into a new database with every row, view, procedure, trigger and event', async () => {
    const result = await runVya(['restore', `my/${db}@latest`, '--to', 'my', '--database', restored, '-i', identity, '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    expect(fingerprint(restored)).to.deep.equal(fingerprint(db));
  });

  it('the plain client loads a snapshot without vya: age -d | zstd -d | mariadb', async () => {
    const stored = execFileSync('find', [join(dir.path, 'repo', 'data', 'my', db), '-name', '*.sql.zst.age'], { encoding: 'utf8' }).trim();
    sql(`CREATE DATABASE ${byHand} CHARACTER SET utf8mb4`);
    execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | zstd -d | mariadb -h 127.0.0.1 -uroot --binary-mode "$3"', 'sh', identity, stored, byHand]);
    expect(fingerprint(byHand)).to.deep.equal(fingerprint(db));
  });

  it('users and grants: dry-run prints the statements; dropped users come back with the same grants', async () => {
    const grantsBefore = users.map((u, i) => sql(`SHOW GRANTS FOR '${u}'@'${i === 0 ? '%' : 'localhost'}'`));
    const dry = await runVya(['restore', 'my/users@latest', '--to', 'my', '--dry-run', '-i', identity, '--config', config], { env: env() });
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include(`CREATE USER IF NOT EXISTS \`${users[0]}\`@\`%\``);
    expect(dry.stdout).to.not.match(/`root`/);
    sql(`DROP USER '${users[0]}'@'%', '${users[1]}'@'localhost'`);
    const result = await runVya(['restore', 'my/users@latest', '--to', 'my', '-i', identity, '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    expect(users.map((u, i) => sql(`SHOW GRANTS FOR '${u}'@'${i === 0 ? '%' : 'localhost'}'`))).to.deep.equal(grantsBefore);
  });

  it('a least-privilege backup user with a password full of quotes and backslashes works', async () => {
    const result = await runVya(['backup', 'bk', '--config', config], { env: env() });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout + result.stderr).to.not.include(backupPassword);
  });

  it('bad inputs fail their job with a clear error and store nothing', async () => {
    for (const [job, pattern] of [
      ['wrong', /access denied for user/],
      ['unreachable', /connection refused/],
      ['missing', new RegExp(`database in include not found on the server: vya_no_such_${suffix}`)],
      ['notools', /\/nonexistent\/mariadb-dump not found/],
    ] as const) {
      const result = await runVya(['backup', job, '--config', config], { env: env() });
      expect(result.code, job).to.equal(1);
      expect(result.stdout + result.stderr, job).to.match(pattern);
      expect(parseJson<Row[]>(await runVya(['snapshots', '--job', job, '--json', '--config', config], { env: env() })), job).to.deep.equal([]);
    }
  });
});

describe('mysql source: a server that dies mid-dump', function () {
  this.timeout(300_000);
  let server: ThrowawayMariadb;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;

  before(async () => {
    server = new ThrowawayMariadb(await freePort());
    await server.start();
    server.sql('CREATE DATABASE big');
    server.sql("CREATE TABLE filler (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB; INSERT INTO filler SELECT seq, REPEAT(MD5(seq), 12) FROM seq_1_to_600000", 'big');
    dir = await tempDir('vya-e2e-mysql-kill-');
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  doomed: { type: mariadb, host: 127.0.0.1, port: ${server.port}, username: root, include: [big] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  doomed: { source: doomed, sink: repo, compression: { algorithm: gzip, level: 9 } }\n`);
  });
  after(async () => {
    server?.destroy();
    await dir?.cleanup();
  });

  it('exits non-zero naming the database, lists nothing, leaves no partial object', async () => {
    // Killed once mariadb-dump is reading the table (its SELECT is on the server).
    const dumping = () => Number(server.sql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE '%SQL_NO_CACHE%filler%'")) > 0;
    const killer = killWhen(dumping, () => server.kill());
    const result = await runVya(['backup', '--config', config, '--json'], { env: { VYA_STATE_DIR: join(dir.path, 'state') } });
    killer.stop();
    expect(await killer.fired, 'the server was killed while the dump ran').to.equal(true);
    expect(result.code).to.equal(1);
    const unit = parseJson<{ runs: { units: { unit: string; status: string; error: string }[] }[] }>(result).runs[0].units[0];
    expect(unit).to.deep.include({ unit: 'big', status: 'failed' });
    expect(unit.error).to.match(/mariadb-dump of database big failed/);
    const files = await readdir(join(dir.path, 'repo'), { recursive: true, withFileTypes: true }).catch(() => []);
    expect(files.filter((f) => f.isFile()).map((f) => f.name)).to.deep.equal([]);
  });
});
