import { execFileSync, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { DrillSummary, ReportModel } from '@vya/plugin-api';
import type { Manifest } from '../../src/core/repository/manifest.js';
import { parseJson, runVya, tempDir, vyaBin } from '../support/cli.js';

function psql(sql: string, database = 'postgres'): string {
  return execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();
}

function mariadb(sql: string, database?: string): string {
  return execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '-N', '-B', ...(database ? [database] : []), '-e', sql], { encoding: 'utf8' }).trim();
}

const scratchPostgres = () => psql("SELECT datname FROM pg_database WHERE datname LIKE 'vya\\_drill\\_%drill%' ORDER BY 1").split('\n').filter(Boolean);
const scratchMariadb = () => mariadb("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'vya\\_drill\\_%drill%' ORDER BY 1").split('\n').filter(Boolean);

interface DrillOutput {
  ok: boolean;
  drills: DrillSummary[];
}

describe('vya drill: restore the newest snapshot into a scratch target and check it', function () {
  this.timeout(600_000);
  const suffix = randomBytes(3).toString('hex');
  const pgDb = `drill_pg_${suffix}`;
  const busyDb = `drill_busy_${suffix}`;
  const myDb = `drill_my_${suffix}`;
  const alteredPg = `drill_alt_${suffix}`;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let identity: string;
  let recipient: string;
  let env: Record<string, string>;
  let files: string;
  let hookServer: Server;
  const posted: Record<string, unknown>[] = [];

  const vya = (...args: string[]) => runVya([...args, '--config', config], { env, timeoutMs: 300_000 });
  const drill = async (...args: string[]) => {
    const result = await vya('drill', ...args, '-i', identity, '--json');
    return { result, output: parseJson<DrillOutput>(result) };
  };
  const newestManifest = async (job: string): Promise<{ path: string; manifest: Manifest }> => {
    const root = join(dir.path, 'repo', 'snapshots', job);
    const [unit] = await readdir(root);
    const names = (await readdir(join(root, unit))).sort();
    const path = join(root, unit, names[names.length - 1]);
    return { path, manifest: JSON.parse(await readFile(path, 'utf8')) as Manifest };
  };

  /**
   * Rewrites a stored object as an attacker or a bug would: decrypt and decompress with the
   * age and zstd CLIs, change the plain bytes, compress and encrypt again, and fix the
   * manifest's sizes and sha256 so that every byte-level check still passes.
   */
  const reseal = async (job: string, which: 'data' | 'listing', change: (plain: string, changed: string) => void) => {
    const { path, manifest } = await newestManifest(job);
    const key = which === 'data' ? manifest.data_key : manifest.listing!.key;
    const stored = join(dir.path, 'repo', key);
    const plain = join(dir.path, `plain-${which}`);
    const changed = join(dir.path, `changed-${which}`);
    execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | zstd -d -q -c > "$3"', 'sh', identity, stored, plain]);
    change(plain, changed);
    execFileSync('sh', ['-c', 'zstd -q -c "$1" | age -r "$2" > "$3"', 'sh', changed, recipient, stored]);
    const bytes = await readFile(stored);
    const facts = { raw_bytes: (await stat(changed)).size, stored_bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    if (which === 'data') Object.assign(manifest, facts);
    else Object.assign(manifest.listing!, facts);
    await writeFile(path, JSON.stringify(manifest, null, 2));
  };

  before(async () => {
    dir = await tempDir('vya-e2e-drill-');
    env = { VYA_STATE_DIR: join(dir.path, 'state') };
    psql(`CREATE DATABASE ${pgDb}`);
    psql(`CREATE SCHEMA shop; CREATE TABLE shop.orders (id serial PRIMARY KEY, note text); INSERT INTO shop.orders (note) SELECT md5(g::text) FROM generate_series(1, 1500) g;
          CREATE TABLE public.items (id int); INSERT INTO public.items SELECT generate_series(1, 1000); CREATE TABLE public.empty_one (id int);`, pgDb);
    psql(`CREATE DATABASE ${busyDb}`);
    psql(`CREATE TABLE public.ticks (id bigserial PRIMARY KEY, pad text); INSERT INTO public.ticks (pad) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 300000) g;`, busyDb);
    mariadb(`CREATE DATABASE ${myDb}`);
    mariadb(`CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB; INSERT INTO items SELECT seq, MD5(seq) FROM seq_1_to_700; CREATE TABLE notes (id INT) ENGINE=InnoDB; INSERT INTO notes VALUES (1), (2), (3);`, myDb);
    files = join(dir.path, 'files');
    await mkdir(join(files, 'a'), { recursive: true });
    await writeFile(join(files, 'a', 'b.txt'), 'the original content\n');
    await writeFile(join(files, 'top.bin'), randomBytes(200_000));
    await symlink('a/b.txt', join(files, 'link-to-b'));
    // Unfriendly names and modes: a newline, unicode, a name like an option, a path longer than
    // tar's 100-byte field (pax), an empty file, a private and an executable mode.
    await writeFile(join(files, 'line\nbreak.txt'), 'x');
    await writeFile(join(files, 'ünïcødé ✓.txt'), 'y');
    await writeFile(join(files, '--force'), '');
    const deep = join(files, 'd'.repeat(60), 'e'.repeat(60));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'f'.repeat(80) + '.txt'), 'z', { mode: 0o600 });
    await writeFile(join(files, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    execFileSync('mkfifo', [join(files, 'a-fifo')]);
    identity = join(dir.path, 'key.txt');
    execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
    recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
    hookServer = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        posted.push(JSON.parse(body) as Record<string, unknown>);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    const hookPort = (hookServer.address() as AddressInfo).port;
    config = join(dir.path, 'vya.yml');
    const enc = `encryption: { recipients: [${recipient}] }`;
    await writeFile(
      config,
      `sources:
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: [${pgDb}], globals: true }
  busy: { type: postgres, host: 127.0.0.1, username: postgres, include: [${busyDb}] }
  pg-scratch: { type: postgres, host: 127.0.0.1, port: 5432, username: postgres, include: [none_${suffix}] }
  my: { type: mariadb, host: 127.0.0.1, username: root, include: [${myDb}] }
  fs: { type: files, paths: [${files}] }
sinks:
  repo: { type: local, path: ./repo }
notifiers:
  hook: { type: webhook, url: "http://127.0.0.1:${hookPort}/", format: generic }
jobs:
  pg: { source: pg, sink: repo, ${enc}, drill: { schedule: { cron: "30 4 * * 0" } } }
  busy: { source: busy, sink: repo, ${enc} }
  intoscratch: { source: pg, sink: repo, ${enc}, drill: { into: pg-scratch } }
  my: { source: my, sink: repo, ${enc}, notify: [hook] }
  fs: { source: fs, sink: repo, ${enc}, retention: { keep_last: 1 } }
metrics: { textfile: ./metrics.prom }
`,
    );
    const backup = await vya('backup', 'pg', 'intoscratch', 'my', 'fs');
    expect(backup.code, backup.stderr).to.equal(0);
  });

  after(async () => {
    for (const name of [pgDb, busyDb, alteredPg, ...scratchPostgres()]) psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    for (const name of [myDb, ...scratchMariadb()]) mariadb(`DROP DATABASE IF EXISTS \`${name}\``);
    hookServer.close();
    await dir.cleanup();
  });

  it('a PostgreSQL drill passes, checks every table with its exact count, and leaves no scratch database behind', async () => {
    const before = scratchPostgres();
    const { result, output } = await drill('pg');
    expect(result.code, result.stderr).to.equal(0);
    const [unit] = output.drills[0].units;
    expect(unit.status).to.equal('passed');
    expect(unit.checked).to.equal('3 table(s), 2500 row(s)');
    expect(unit.scratch).to.match(/^vya_drill_drill_pg_[0-9a-f]{6}_[0-9a-f]{8}$/);
    expect(unit.restoreMs).to.be.a('number');
    expect(unit.kept).to.equal(false);
    // The cluster roles restore into the server itself: never part of a drill.
    expect(output.drills[0].units[1]).to.include({ unit: 'globals', status: 'skipped' });
    expect(output.drills[0].outcome).to.equal('succeeded');
    expect(scratchPostgres()).to.deep.equal(before);
    const { manifest } = await newestManifest('pg');
    const tables = manifest.source_metadata.tables as { schema: string; name: string; rows: number }[];
    expect(tables.map((t) => [`${t.schema}.${t.name}`, t.rows])).to.deep.equal([['public.empty_one', 0], ['public.items', 1000], ['shop.orders', 1500]]);
  });

  it('a MariaDB drill passes and leaves no scratch database behind', async () => {
    const before = scratchMariadb();
    const { result, output } = await drill('my');
    expect(result.code, result.stderr).to.equal(0);
    expect(output.drills[0].units[0]).to.include({ status: 'passed', checked: '2 table(s), 703 row(s)' });
    expect(scratchMariadb()).to.deep.equal(before);
  });

  it('a files drill passes: every path, size, mode and link target matches the stored listing, every file\'s bytes the archive', async () => {
    const { result, output } = await drill('fs');
    expect(result.code, result.stderr).to.equal(0);
    expect(output.drills[0].units[0]).to.include({ status: 'passed', into: 'directory' });
    // 4 + 3 odd names + 2 directories and 1 file deep down + run.sh; the FIFO is not backed up.
    expect(output.drills[0].units[0].checked).to.equal('11 entries, 200034 bytes compared with the listing and the archive');
    expect(existsSync(output.drills[0].units[0].scratch!)).to.equal(false);
  });

  it('the file listing is stored encrypted, verified with its snapshot, and removed with it by prune', async () => {
    const { manifest } = await newestManifest('fs');
    expect(manifest.listing!.key).to.match(/\.listing\.jsonl\.zst\.age$/);
    const stored = await readFile(join(dir.path, 'repo', manifest.listing!.key));
    expect(stored.subarray(0, 21).toString()).to.equal('age-encryption.org/v1');
    expect(stored.includes(Buffer.from('b.txt'))).to.equal(false);
    // verify reads the listing too: one flipped byte in it fails the snapshot.
    const listingPath = join(dir.path, 'repo', manifest.listing!.key);
    const flipped = Buffer.from(stored);
    flipped[flipped.length - 1] ^= 1;
    await writeFile(listingPath, flipped);
    const damaged = await vya('verify', `fs/${manifest.unit.name}@latest`, '-i', identity);
    expect(damaged.code).to.equal(1);
    expect(damaged.stdout).to.match(/FAILED .*listing\.jsonl\.zst\.age|FAILED .*sha256/);
    await writeFile(listingPath, stored);
    const verify = await vya('verify', `fs/${manifest.unit.name}@latest`, '-i', identity);
    expect(verify.code, verify.stdout).to.equal(0);
    const second = await vya('backup', 'fs');
    expect(second.code, second.stderr).to.equal(0);
    const prune = await vya('prune', '--job', 'fs');
    expect(prune.code, prune.stderr).to.equal(0);
    expect(existsSync(join(dir.path, 'repo', manifest.listing!.key))).to.equal(false);
    expect(existsSync(join(dir.path, 'repo', manifest.data_key))).to.equal(false);
  });

  it('a files drill of a listing with hashes (older vya) compares them, catches a file whose content differs, and names it', async () => {
    await reseal('fs', 'listing', (plain, changed) => {
      execFileSync('sh', ['-c', `sed -E '/"path":"a\\/b.txt"/ s/\\}$/,"sha256":"${'0'.repeat(64)}"}/' "$1" > "$2"`, 'sh', plain, changed]);
    });
    const { result, output } = await drill('fs');
    expect(result.code).to.equal(1);
    expect(output.drills[0].units[0].problems).to.deep.equal(['file a/b.txt: sha256 differs']);
    expect(result.stderr).to.match(/^fs\/.*files: file a\/b\.txt: sha256 differs$/m);
  });

  it('a drill of a PostgreSQL dump that lost a table fails and names the table', async () => {
    await reseal('pg', 'data', (plain, changed) => {
      psql(`CREATE DATABASE ${alteredPg}`);
      execFileSync('pg_restore', ['-h', '127.0.0.1', '-U', 'postgres', '-d', alteredPg, plain]);
      psql('DROP TABLE shop.orders', alteredPg);
      execFileSync('pg_dump', ['-h', '127.0.0.1', '-U', 'postgres', '-Fc', '-Z0', '-f', changed, alteredPg]);
    });
    const before = scratchPostgres();
    const { result, output } = await drill('pg');
    expect(result.code).to.equal(1);
    expect(output.drills[0].units[0].problems).to.deep.equal(['table shop.orders missing']);
    expect(result.stderr).to.match(new RegExp(`^pg/${pgDb}: table shop\\.orders missing$`, 'm'));
    expect(scratchPostgres()).to.deep.equal(before);
  });

  it('a drill of a MariaDB dump that lost rows fails and names the table and both counts', async () => {
    await reseal('my', 'data', (plain, changed) => {
      // The whole INSERT statement (the dump tool spreads it over several lines), nothing else.
      execFileSync('sh', ['-c', "sed '/^INSERT INTO `notes`/,/;$/d' \"$1\" > \"$2\"", 'sh', plain, changed]);
    });
    const { result, output } = await drill('my');
    expect(result.code).to.equal(1);
    expect(output.drills[0].units[0].problems).to.deep.equal(['row count of notes: 3 recorded, 0 restored']);
    expect(scratchMariadb()).to.deep.equal([]);
    const event = posted.find((body) => body.event === 'drill.failed')!;
    expect(event).to.deep.include({ kind: 'drill', job: 'my', outcome: 'failed' });
    expect((event.units as { error: string }[])[0].error).to.equal('restore drill failed; row count of notes: 3 recorded, 0 restored');
  });

  it('counts recorded while a writer inserts rows during the backup are exact: the drill passes', async () => {
    const writer = spawn('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', busyDb, '-qAt'], { stdio: ['pipe', 'ignore', 'ignore'] });
    // A writer that keeps inserting, one autocommitted row at a time, until the backup is over.
    const loop = "DO $$ BEGIN FOR i IN 1..100000000 LOOP INSERT INTO public.ticks (pad) VALUES ('w'); COMMIT; END LOOP; END $$;\n";
    writer.stdin.write(loop);
    try {
      const start = Date.now();
      while (Number(psql("SELECT count(*) FROM public.ticks WHERE pad = 'w'", busyDb)) < 50 && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 100));
      const countBefore = Number(psql('SELECT count(*) FROM public.ticks', busyDb));
      const backup = await vya('backup', 'busy');
      expect(backup.code, backup.stderr).to.equal(0);
      const countAfter = Number(psql('SELECT count(*) FROM public.ticks', busyDb));
      const { manifest } = await newestManifest('busy');
      const recorded = (manifest.source_metadata.tables as { rows: number }[])[0].rows;
      expect(recorded).to.be.above(countBefore);
      expect(recorded).to.be.below(countAfter);
    } finally {
      writer.kill('SIGKILL');
      psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${busyDb}' AND pid <> pg_backend_pid()`);
    }
    const { result, output } = await drill('busy');
    expect(result.code, result.stderr).to.equal(0);
    expect(output.drills[0].units[0].status).to.equal('passed');
  });

  it('an interrupted drill (SIGINT during the restore) still drops its scratch database', async () => {
    const before = scratchPostgres();
    const child = spawn(process.execPath, [vyaBin, 'drill', 'busy', '-i', identity, '--config', config], { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Interrupt once the scratch database exists, i.e. while pg_restore fills it.
    let seen: string[] = [];
    const start = Date.now();
    while (seen.length === 0 && child.exitCode === null && Date.now() - start < 120_000) {
      seen = scratchPostgres().filter((name) => !before.includes(name));
      if (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    const code = await exited;
    expect(seen, 'the scratch database was seen while the drill ran').to.have.length(1);
    expect(code).to.equal(130);
    expect(scratchPostgres()).to.deep.equal(before);
  });

  it('--keep leaves the scratch database and prints its name', async () => {
    const result = await vya('drill', 'intoscratch', '--keep', '-i', identity);
    expect(result.code, result.stderr).to.equal(0);
    const name = /kept scratch database on source pg-scratch: (vya_drill_\S+)/.exec(result.stdout)?.[1];
    expect(name, result.stdout).to.be.a('string');
    expect(scratchPostgres()).to.include(name);
    expect(psql('SELECT count(*) FROM shop.orders', name)).to.equal('1500');
    psql(`DROP DATABASE ${name}`);
  });

  it('--into restores into another configured source of the same type, and refuses one of another type', async () => {
    const { result, output } = await drill('pg', '--into', 'pg-scratch');
    expect(result.code).to.equal(1); // the pg snapshot was altered above: still missing its table
    expect(output.drills[0].units[0]).to.include({ into: 'pg-scratch' });
    const good = await drill('intoscratch');
    expect(good.result.code, good.result.stderr).to.equal(0);
    expect(good.output.drills[0].units[0]).to.include({ into: 'pg-scratch', status: 'passed' });
    const wrong = await vya('drill', 'pg', '--into', 'my', '-i', identity);
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.include('cannot drill job pg (postgres snapshots) into source "my" of type mariadb');
    // A files job among the named ones ignores --into: it restores into a directory.
    const mixed = await drill('intoscratch', 'fs', '--into', 'pg-scratch');
    expect(mixed.output.drills.map((d) => d.units[0].into)).to.deep.equal(['pg-scratch', 'directory']);
    const unknown = await vya('drill', 'pg', '--into', 'nope');
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('--into "nope" is not a configured source');
  });

  it('records drills in the history, the metrics and the report, and schedules them', async () => {
    const metrics = await readFile(join(dir.path, 'metrics.prom'), 'utf8');
    expect(metrics).to.match(new RegExp(`vya_drill_last_success\\{job="my",unit="${myDb}"\\} 0`));
    expect(metrics).to.match(new RegExp(`vya_drill_restore_duration_seconds\\{job="intoscratch",unit="${pgDb}"\\} \\d`));
    const report = parseJson<ReportModel>(await vya('report', '--json'));
    const intoscratch = report.jobs.find((job) => job.job === 'intoscratch')!.units[0];
    expect(intoscratch.lastProvenRestoreAt).to.be.a('string');
    expect(intoscratch.lastProvenRestoreMs).to.be.a('number');
    const pg = report.jobs.find((job) => job.job === 'pg')!.units[0];
    expect(pg.lastDrillFailure).to.include('table shop.orders missing');
    const html = join(dir.path, 'report.html');
    expect((await vya('report', '--out', html)).code).to.equal(0);
    expect(await readFile(html, 'utf8')).to.include('Last proven restore');
    const schedule = parseJson<{ job: string; kind: string }[]>(await vya('schedule', 'list', '--json'));
    expect(schedule.filter((row) => row.kind === 'drill').map((row) => row.job)).to.deep.equal(['pg']);
    const units = join(dir.path, 'units');
    const install = await vya('schedule', 'install', '--systemd', '--dir', units);
    expect(install.code, install.stderr).to.equal(0);
    const service = await readFile(join(units, 'vya-drill-pg.service'), 'utf8');
    expect(service).to.match(/ExecStart=.* drill pg --scheduled --config /);
    const scheduled = await vya('drill', 'intoscratch', '--scheduled', '-i', identity);
    expect(scheduled.code, scheduled.stderr).to.equal(0);
    expect(scheduled.stdout).to.match(/intoscratch: drill succeeded: 1\/1 unit\(s\) restored and checked/);
  });

  it('refuses a config whose drill.into is of another type than the job\'s source, or unknown, with file:line', async () => {
    const bad = join(dir.path, 'bad.yml');
    await writeFile(bad, `sources:\n  pg: { type: postgres }\n  my: { type: mariadb }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  pg: { source: pg, sink: repo, drill: { into: my } }\n  other: { source: pg, sink: repo, drill: { into: nope, schedule: { cron: "99 * * * *" } } }\n`);
    const result = await runVya(['drill', '--config', bad], { env });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/bad\.yml:7:\d+: jobs\.pg\.drill\.into: source "my" is of type mariadb, the job's source of type postgres \(and 2 more problems\)/);
    const check = await runVya(['check', '--config', bad], { env });
    expect(check.stdout).to.match(/bad\.yml:8:\d+: jobs\.other\.drill\.into: no source named "nope"/);
    expect(check.stdout).to.match(/bad\.yml:8:\d+: jobs\.other\.drill\.schedule\.cron: invalid cron expression "99 \* \* \* \*"/);
  });
});
