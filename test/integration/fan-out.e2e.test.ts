import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { parseJson, repoRoot, runVya, tempDir, vyaBin, type CliResult } from '../support/cli.js';
import { runVyaOnTerminal } from '../support/pty.js';
import { S3rverProcess } from '../support/s3rver.js';

const psql = (sql: string, database = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();

interface Listed {
  id: string;
  job: string;
  unit: string;
  sink: string;
  sinks: string[];
  sha256: string;
  stored_bytes: number;
}

interface UnitJson {
  unit: string;
  status: string;
  snapshotId?: string;
  error?: string;
  sinks?: { sink: string; status: string; error?: string }[];
}

interface RunJson {
  outcome: string;
  units: UnitJson[];
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Polls until `probe` answers true; a deadline, not a fixed delay, so a loaded machine only waits longer. */
async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The largest file whose name marks it unfinished (`.vya-partial-`, `.slow-part-`) under `dir`. */
async function partialBytes(dir: string): Promise<number> {
  let largest = 0;
  for (const file of await filesUnder(dir)) {
    if (!/\.vya-partial-|\.slow-part-/.test(file)) continue;
    largest = Math.max(largest, await stat(file).then((info) => info.size, () => 0));
  }
  return largest;
}

describe('fan-out: one read of the source, several sinks; copy between sinks; forget', function () {
  this.timeout(600_000);
  const suffix = randomBytes(4).toString('hex');
  const db = `fanout_${suffix}`;
  const s3 = new S3rverProcess();
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const counter = () => join(dir.path, 'pg_dump.calls');
  const env = () => ({
    VYA_STATE_DIR: join(dir.path, 'state'),
    VYA_DATA_DIR: join(dir.path, 'vya-data'),
    VYA_CACHE_DIR: join(dir.path, 'vya-cache'),
    VYA_SECRET_S3_USERNAME: 'S3RVER',
    VYA_SECRET_S3_PASSWORD: 'S3RVER',
    PG_DUMP_COUNTER: counter(),
    PATH: `${join(dir.path, 'shim')}:${process.env.PATH}`,
  });
  const vya = (args: string[], options: Parameters<typeof runVya>[1] = {}) => runVya([...args, '--config', config], { ...options, env: { ...env(), ...options.env } });
  const listed = async (args: string[]) => {
    const result = await vya(['snapshots', '--json', ...args]);
    expect(result.code, result.stderr).to.equal(0);
    return parseJson<Listed[]>(result);
  };

  before(async () => {
    await s3.start(['backups']);
    dir = await tempDir('vya-e2e-fanout-');
    await mkdir(join(dir.path, 'shim'));
    // pg_dump as the source runs it, counted: `--version` probes are not dumps.
    const realPgDump = execFileSync('sh', ['-c', 'command -v pg_dump'], { encoding: 'utf8' }).trim();
    const shim = join(dir.path, 'shim', 'pg_dump');
    await writeFile(shim, `#!/bin/sh\ncase "$1" in --version|-V) ;; *) echo "$*" >> "$PG_DUMP_COUNTER" ;; esac\nexec ${realPgDump} "$@"\n`);
    await chmod(shim, 0o755);
    psql(`CREATE DATABASE ${db}`);
    psql("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g", db);
    await mkdir(join(dir.path, 'big'));
    await mkdir(join(dir.path, 'huge'));
    // Incompressible, so that the stream stays as big as the file (compression: none besides).
    const big = await open(join(dir.path, 'big', 'random.bin'), 'w');
    for (let i = 0; i < 48; i++) await big.write(randomBytes(1024 * 1024));
    await big.close();
    // Sparse: 300 MB that cost no disk to read, stored uncompressed.
    await writeFile(join(dir.path, 'huge', 'zeros.bin'), '');
    await truncate(join(dir.path, 'huge', 'zeros.bin'), 300 * 1024 * 1024);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: [${db}] }
  big: { type: files, paths: [./big] }
  huge: { type: files, paths: [./huge] }
sinks:
  local1: { type: local, path: ./local1 }
  s3:
    type: s3
    bucket: backups
    prefix: vya/
    endpoint: ${s3.endpoint}
    force_path_style: true
    access_key_id: "secret:s3.username"
    secret_access_key: "secret:s3.password"
    part_size_mb: 5
  local2: { type: local, path: ./local2 }
  slow: { type: slow, path: ${join(dir.path, 'slow')}, rate_mb_per_s: 12 }
  slowcopy: { type: slow, path: ${join(dir.path, 'slowcopy')}, rate_mb_per_s: 6 }
jobs:
  pg: { source: pg, sinks: [local1, s3, local2] }
  big: { source: big, sinks: [local1, s3, local2], compression: { algorithm: none } }
  huge: { source: huge, sinks: [local1, slow], compression: { algorithm: none } }
  huge-fast: { source: huge, sink: local2, compression: { algorithm: none } }
`,
    );
    const link = await runVya(['plugins', 'link', join(repoRoot, 'test', 'fixtures', 'plugin-slow-sink'), '--no-install'], { env: env() });
    expect(link.code, link.stderr).to.equal(0);
  });

  after(async () => {
    psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await s3.stop();
    await dir?.cleanup();
  });

  it('a job with sinks: [a, b] and also sink: is a clear config error', async () => {
    const bad = join(dir.path, 'both.yml');
    await writeFile(bad, (await readFile(config, 'utf8')).replace('pg: { source: pg, sinks: [local1, s3, local2] }', 'pg: { source: pg, sink: local1, sinks: [local1, nowhere] }'));
    const result = await runVya(['check', '--config', bad], { env: env() });
    expect(result.code).to.equal(2);
    expect(result.stdout, result.stdout).to.match(/jobs\.pg: set either "sink" or "sinks", not both/);
    expect(result.stdout).to.match(/jobs\.pg\.sinks\[1\]: no sink named "nowhere"/);
  });

  it('dumps the database once and stores three identical objects, listed as one snapshot in three sinks', async () => {
    const dry = await vya(['backup', 'pg', '--dry-run']);
    expect(dry.stdout).to.include('from pg to local1, s3, local2');
    const backup = await vya(['backup', 'pg', '--json']);
    expect(backup.code, backup.stderr).to.equal(0);
    const run = parseJson<{ runs: RunJson[] }>(backup).runs[0];
    expect(run.outcome).to.equal('succeeded');
    expect(run.units).to.have.length(1);
    expect(run.units[0].sinks?.map((s) => `${s.sink}:${s.status}`)).to.deep.equal(['local1:succeeded', 's3:succeeded', 'local2:succeeded']);
    const dumps = (await readFile(counter(), 'utf8')).trim().split('\n');
    expect(dumps, dumps.join('\n')).to.have.length(1);

    const snapshots = await listed(['--job', 'pg']);
    expect(snapshots).to.have.length(1);
    expect(snapshots[0].sinks).to.deep.equal(['local1', 's3', 'local2']);
    const { id, sha256 } = snapshots[0];
    for (const sink of ['local1', 's3', 'local2']) {
      const own = await listed(['--job', 'pg', '--sink', sink]);
      expect(own.map((s) => [s.id, s.sha256, s.sink]), sink).to.deep.equal([[id, sha256, sink]]);
    }
    const objects = [...(await filesUnder(join(dir.path, 'local1', 'data'))), ...(await filesUnder(join(dir.path, 'local2', 'data')))];
    expect(objects).to.have.length(2);
    for (const object of objects) expect(await sha256Of(object), object).to.equal(sha256);
    // The S3 copy, read back from the bucket: its stored bytes against the same sha256.
    const verify = await vya(['verify', id, '--sink', 's3', '--sha256-only']);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    // Each sink's manifest names that sink.
    const manifest = JSON.parse(await readFile((await filesUnder(join(dir.path, 'local2', 'snapshots')))[0], 'utf8')) as { sink: string; sha256: string };
    expect(manifest).to.deep.include({ sink: 'local2', sha256 });
  });

  it('S3 going down mid-upload: the local copies commit, the unit is partial, the run exits non-zero, nothing is listed on S3', async () => {
    const local1 = join(dir.path, 'local1', 'data', 'big');
    const backup = vya(['backup', 'big', '--json']);
    // The tee paces every sink alike: once the local copy has grown, S3 has been receiving too.
    await until(async () => (await partialBytes(local1)) >= 12 * 1024 * 1024, 'the upload to be under way');
    await s3.crash();
    const result: CliResult = await backup;
    await s3.restart();
    expect(result.code, result.stderr).to.equal(1);
    // The killed server never saw the lock released: the operator removes it, as after any crash.
    const unlock = await vya(['unlock', '--job', 'big', '--sink', 's3', '--all']);
    expect(unlock.stdout).to.match(/1 lock\(s\) removed/);
    const run = parseJson<{ runs: RunJson[] }>(result).runs[0];
    const unit = run.units[0];
    expect(run.outcome, JSON.stringify(run.units)).to.equal('partial');
    expect(unit.status).to.equal('partial');
    expect(unit.sinks?.map((s) => `${s.sink}:${s.status}`)).to.deep.equal(['local1:succeeded', 's3:failed', 'local2:succeeded']);
    expect(unit.error).to.match(/^sink s3: /);

    const snapshots = await listed(['--job', 'big']);
    expect(snapshots.map((s) => s.sinks)).to.deep.equal([['local1', 'local2']]);
    expect(await listed(['--job', 'big', '--sink', 's3'])).to.deep.equal([]);
    for (const sink of ['local1', 'local2']) {
      const verify = await vya(['verify', snapshots[0].id, '--sink', sink]);
      expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    }
    const history = await vya(['history', '--job', 'big', '--json']);
    const recorded = parseJson<RunJson[]>(history);
    expect(recorded.at(-1)?.outcome).to.equal('partial');
    expect(recorded.at(-1)?.units[0].error).to.match(/^sink s3: /);
  });

  it('a slow sink sets the pace: 300 MB through a 12 MB/s sink takes no more memory than one fast sink', async () => {
    const preload = join(repoRoot, 'test', 'support', 'peak-rss.mjs');
    const peakMiB = async (job: string) => {
      const peaks = join(dir.path, `peak-rss-${job}.txt`);
      const started = Date.now();
      const result = await vya(['backup', job], { env: { NODE_OPTIONS: `--import=${preload}`, VYA_TEST_PEAK_RSS_FILE: peaks }, timeoutMs: 400_000 });
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      const kib = Math.max(...(await readFile(peaks, 'utf8')).trim().split('\n').map((line) => Number(line.split(' ')[1])));
      return { mib: kib / 1024, seconds: (Date.now() - started) / 1000 };
    };
    // The same 300 MB into one local sink: what a stream of that size costs this process anyway.
    const alone = await peakMiB('huge-fast');
    const fanned = await peakMiB('huge');
    // The slow sink set the pace of the whole unit (300 MB at 12 MB/s is 25 s)...
    expect(fanned.seconds).to.be.above(20);
    // ...and nothing piled up for it: without backpressure most of the 300 MB would wait in memory.
    expect(fanned.mib, `peak RSS ${Math.round(fanned.mib)} MiB with the slow sink, ${Math.round(alone.mib)} MiB alone`).to.be.below(Math.max(alone.mib, 150) + 100);
    const snapshots = await listed(['--job', 'huge']);
    expect(snapshots.map((s) => s.sinks)).to.deep.equal([['local1', 'slow']]);
    expect(snapshots[0].stored_bytes).to.be.above(300 * 1024 * 1024);
    // The data object, and the files source's listing beside it.
    const slowObjects = (await filesUnder(join(dir.path, 'slow', 'data'))).filter((file) => !file.includes('.listing.'));
    expect(slowObjects).to.have.length(1);
    expect((await stat(slowObjects[0])).size).to.equal(snapshots[0].stored_bytes);
  });

  it('copy local → S3 checks the sha256 on the way; the copy on S3 verifies; a second copy skips it', async () => {
    const [snapshot] = await listed(['--job', 'big']);
    const copy = await vya(['copy', snapshot.id, '--to-sink', 's3']);
    expect(copy.code, copy.stderr).to.equal(0);
    expect(copy.stdout).to.match(new RegExp(`copied\\s+${snapshot.id}\\s+big/.+\\s+local1 -> s3`));
    const verify = await vya(['verify', snapshot.id, '--sink', 's3']);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    expect((await listed(['--job', 'big']))[0].sinks).to.deep.equal(['local1', 's3', 'local2']);
    const again = await vya(['copy', '--job', 'big', '--from-sink', 'local1', '--to-sink', 's3']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/0 copied, 1 already in s3/);
  });

  it('copy refuses a damaged source object and leaves nothing in the target', async () => {
    const [snapshot] = await listed(['--job', 'pg']);
    const target = join(dir.path, 'damaged.yml');
    await writeFile(target, (await readFile(config, 'utf8')).replace('sinks:\n', `sinks:\n  damaged: { type: local, path: ./damaged }\n  spare: { type: local, path: ./spare }\n`));
    const seed = await runVya(['copy', snapshot.id, '--from-sink', 'local1', '--to-sink', 'damaged', '--config', target], { env: env() });
    expect(seed.code, seed.stderr).to.equal(0);
    const [object] = await filesUnder(join(dir.path, 'damaged', 'data'));
    const handle = await open(object, 'r+');
    await handle.write(Buffer.from('X'), 0, 1, 100);
    await handle.close();
    const copy = await runVya(['copy', snapshot.id, '--from-sink', 'damaged', '--to-sink', 'spare', '--config', target], { env: env() });
    expect(copy.code).to.equal(1);
    expect(copy.stderr).to.match(/copy of pg\/.+ from sink damaged to spare failed: .*does not match its manifest/);
    expect([...(await filesUnder(join(dir.path, 'spare', 'data'))), ...(await filesUnder(join(dir.path, 'spare', 'snapshots')))]).to.deep.equal([]);
  });

  it('a copy interrupted midway lists nothing in the target, and running it again finishes it', async () => {
    const [snapshot] = await listed(['--job', 'big']);
    const slowcopy = join(dir.path, 'slowcopy');
    const child = spawn(process.execPath, [vyaBin, 'copy', snapshot.id, '--from-sink', 'local1', '--to-sink', 'slowcopy', '--config', config], { env: { ...process.env, ...env(), NO_COLOR: '1' }, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await until(async () => (await partialBytes(slowcopy)) >= 4 * 1024 * 1024, 'the copy to be under way');
    // Ctrl-C or a service stop: the copy gives up its upload and its locks (a SIGKILLed one leaves its locks for `vya unlock`).
    child.kill('SIGTERM');
    expect(await exited).to.equal(143);
    expect(await listed(['--job', 'big', '--sink', 'slowcopy'])).to.deep.equal([]);

    const rerun = await vya(['copy', snapshot.id, '--from-sink', 'local1', '--to-sink', 'slowcopy']);
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.match(/1 copied, 0 already in slowcopy/);
    const verify = await vya(['verify', snapshot.id, '--sink', 'slowcopy']);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    // The rerun wrote the object whole; nothing of the interrupted attempt is listed.
    expect(await listed(['--job', 'big', '--sink', 'slowcopy'])).to.have.length(1);
  });

  it('restore and verify of a snapshot held by several sinks use the first configured one, or --sink, and say which', async () => {
    const [snapshot] = await listed(['--job', 'pg']);
    const restore = await vya(['restore', snapshot.id, '--to', 'pg', '--database', `${db}_back`, '--dry-run']);
    expect(restore.code, restore.stderr).to.equal(0);
    expect(restore.stdout).to.match(/\(from sink local1\)/);
    const fromS3 = await vya(['restore', snapshot.id, '--to', 'pg', '--database', `${db}_back`, '--dry-run', '--sink', 's3']);
    expect(fromS3.code, fromS3.stderr).to.equal(0);
    expect(fromS3.stdout).to.match(/\(from sink s3\)/);
    const verify = await vya(['verify', snapshot.id]);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    expect(verify.stdout).to.match(new RegExp(`^ok\\s+${snapshot.id}\\s+pg/\\S+\\s+sink local1\\s`, 'm'));
    const verifyS3 = await vya(['verify', snapshot.id, '--sink', 's3']);
    expect(verifyS3.stdout).to.match(/\s+sink s3\s/);
  });

  it('a files snapshot keeps its listing in every sink: fanned out, copied, and drilled from each', async () => {
    const [snapshot] = await listed(['--job', 'big']);
    const listings = async (sink: string) => (await filesUnder(join(dir.path, sink, 'data'))).filter((file) => file.includes(`${snapshot.id}.listing.`));
    const [inLocal1] = await listings('local1');
    const [inLocal2] = await listings('local2');
    expect(inLocal1, 'listing object in local1').to.be.a('string');
    expect(await sha256Of(inLocal2)).to.equal(await sha256Of(inLocal1));
    // The S3 copy was made by `vya copy` above: a drill there reads the copied listing.
    for (const sink of ['local2', 's3']) {
      const drill = await vya(['drill', 'big', '--sink', sink]);
      expect(drill.code, `${sink}: ${drill.stdout}${drill.stderr}`).to.equal(0);
      expect(drill.stdout).to.match(/entries, \d+ bytes compared with the listing/);
    }
    const wrong = await vya(['drill', 'big', '--sink', 'slow']);
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.match(/job big does not write to sink "slow"/);
  });

  it('forget: refuses without a terminal unless --yes, refuses unknown ids removing nothing, removes from one sink or from all', async () => {
    const [snapshot] = await listed(['--job', 'pg']);
    const noTty = await vya(['forget', snapshot.id]);
    expect(noTty.code).to.equal(2);
    expect(noTty.stderr).to.match(/Error: forget needs confirmation, and there is no terminal to ask on: nothing removed\nHint: pass --yes/);
    const unknown = await vya(['forget', snapshot.id, '20200101T000000Z-000000', '--yes']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/snapshot "20200101T000000Z-000000" not found/);
    expect((await listed(['--job', 'pg']))[0].sinks).to.deep.equal(['local1', 's3', 'local2']);

    const dry = await vya(['forget', snapshot.id, '--sink', 's3', '--dry-run']);
    expect(dry.stdout).to.match(/would remove\s+\S+\s+pg\/.+sink s3/);
    expect((await listed(['--job', 'pg']))[0].sinks).to.deep.equal(['local1', 's3', 'local2']);

    const one = await vya(['forget', snapshot.id, '--sink', 's3', '--yes']);
    expect(one.code, one.stderr).to.equal(0);
    expect((await listed(['--job', 'pg']))[0].sinks).to.deep.equal(['local1', 'local2']);

    const all = await vya(['forget', snapshot.id, '--yes']);
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout).to.match(/2 snapshot copies removed/);
    expect(await listed(['--job', 'pg'])).to.deep.equal([]);
    expect(await filesUnder(join(dir.path, 'local1', 'data', 'pg'))).to.deep.equal([]);
    expect(await filesUnder(join(dir.path, 'local2', 'data', 'pg'))).to.deep.equal([]);
  });

  it('forget on a terminal lists the copies and asks: no keeps them, yes removes them', async () => {
    const [snapshot] = await listed(['--job', 'big']);
    expect(snapshot.sinks).to.include('local2');
    const args = ['forget', snapshot.id, '--sink', 'local2', '--config', config];
    const declined = await runVyaOnTerminal(args, [{ expect: /remove 1 snapshot copy for good\?/, send: 'n\r' }], { env: env() });
    expect(declined.code, declined.screen).to.equal(1);
    expect(declined.screen).to.match(new RegExp(`${snapshot.id}\\s+big/\\S+\\s+sink local2`));
    expect(declined.screen).to.match(/not confirmed: nothing removed/);
    expect((await listed(['--job', 'big']))[0].sinks).to.include('local2');
    const confirmed = await runVyaOnTerminal(args, [{ expect: /remove 1 snapshot copy for good\?/, send: 'y\r' }], { env: env() });
    expect(confirmed.code, confirmed.screen).to.equal(0);
    expect((await listed(['--job', 'big']))[0].sinks).to.not.include('local2');
  });
});
