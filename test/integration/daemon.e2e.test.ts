import { createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { generatedStream } from '@vya/testing';
import { parseJson, runVya, tempDir } from '../support/cli.js';

interface Row {
  job: string;
  id: string;
}

describe('end to end: vya daemon runs three jobs unattended', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let env: Record<string, string>;
  let daemon: Awaited<ReturnType<typeof runVya>>;

  before(async () => {
    dir = await tempDir('vya-e2e-daemon-');
    env = { VYA_STATE_DIR: join(dir.path, 'state') };
    await mkdir(join(dir.path, 'small'));
    await writeFile(join(dir.path, 'small', 'a.txt'), 'small file\n');
    await mkdir(join(dir.path, 'big'));
    await pipeline(generatedStream(120 * 1024 * 1024, 8), createWriteStream(join(dir.path, 'big', 'big.bin')));
    config = join(dir.path, 'vya.yml');
    // Every second: "quick" prunes to 2 snapshots; "slow" takes longer than a second (its ticks
    // must not overlap); "capped" cannot finish within its 1 s timeout (aborted, nothing listed).
    await writeFile(
      config,
      `sources:
  small: { type: files, paths: [./small] }
  big: { type: files, paths: [./big] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  quick:
    source: small
    sink: repo
    schedule: { cron: "* * * * * *" }
    retention: { keep_last: 2 }
    prune: true
  slow:
    source: big
    sink: repo
    compression: { algorithm: gzip, level: 9 }
    schedule: { cron: "* * * * * *" }
  capped:
    source: big
    sink: repo
    compression: { algorithm: gzip, level: 9 }
    schedule: { cron: "* * * * * *", timeout: 1s }
daemon: { concurrency: 3, heartbeat_seconds: 1 }
`,
    );
    daemon = await runVya(['daemon', '--config', config], { env, kill: { signal: 'SIGTERM', afterMs: 9000 }, timeoutMs: 120_000 });
  });
  after(async () => dir.cleanup());

  it('stops on SIGTERM, cleanly', () => {
    expect(daemon.stderr).to.match(/3 scheduled job\(s\): quick, slow, capped/);
    expect(daemon.stderr).to.match(/SIGTERM received/);
    expect(daemon.code, daemon.stderr).to.equal(0);
  });

  it('keeps exactly what the policy says for the pruned job', async () => {
    const rows = parseJson<Row[]>(await runVya(['snapshots', '--job', 'quick', '--json', '--config', config], { env }));
    expect(rows).to.have.length(2);
    expect(daemon.stderr.match(/quick: pruned \d+ snapshot\(s\)/g)?.length ?? 0).to.be.greaterThan(1);
  });

  it('never overlaps runs of the same job', () => {
    expect(daemon.stderr).to.match(/slow: skipping this tick, the previous run is still running/);
  });

  it('aborts a run at its timeout and lists nothing for it', async () => {
    expect(daemon.stderr).to.match(/capped: aborted after its timeout of 1s/);
    const rows = parseJson<Row[]>(await runVya(['snapshots', '--job', 'capped', '--json', '--config', config], { env }));
    expect(rows).to.deep.equal([]);
  });

  it('leaves no partial object behind: every data object has its manifest', async () => {
    const rows = parseJson<(Row & { unit: string })[]>(await runVya(['snapshots', '--json', '--config', config], { env }));
    const objects = (await readdir(join(dir.path, 'repo', 'data'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    // A files snapshot stores its data and its listing (docs/drills.md): both belong to a manifest.
    const data = objects.filter((name) => !name.includes('.listing.'));
    expect(data.sort()).to.deep.equal(rows.map((r) => data.find((name) => name.startsWith(r.id))).filter(Boolean).sort());
    expect(data.length).to.equal(rows.length);
    for (const listing of objects.filter((name) => name.includes('.listing.'))) expect(rows.map((r) => r.id)).to.include(listing.split('.')[0]);
  });

  it('writes a heartbeat, marked stopped at the end', async () => {
    const heartbeat = JSON.parse(await readFile(join(dir.path, 'state', 'daemon-heartbeat.json'), 'utf8')) as { stopped: boolean; next: Record<string, string> };
    expect(heartbeat.stopped).to.equal(true);
    expect(Object.keys(heartbeat.next).sort()).to.deep.equal(['capped', 'quick', 'slow']);
  });
});

describe('end to end: vya schedule', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;

  before(async () => {
    dir = await tempDir('vya-e2e-schedule-');
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  s: { type: files, paths: [${dir.path}] }\nsinks:\n  r: { type: local, path: ${join(dir.path, 'r')} }\njobs:\n  nightly: { source: s, sink: r, schedule: { cron: "30 2 * * *", timezone: Europe/Paris } }\n  weekly: { source: s, sink: r, schedule: { cron: "0 4 * * 0" } }\n  manual: { source: s, sink: r }\n`);
  });
  after(async () => dir.cleanup());

  it('schedule list shows the next runs of scheduled jobs only', async () => {
    const rows = parseJson<{ job: string; next: string[] }[]>(await runVya(['schedule', 'list', '--count', '2', '--json', '--config', config]));
    expect(rows.map((r) => r.job)).to.deep.equal(['nightly', 'weekly']);
    expect(rows[0].next).to.have.length(2);
    expect(new Date(rows[1].next[0]).getUTCDay()).to.equal(0);
  });

  it('schedule install --systemd writes a service and a timer per job', async () => {
    const units = join(dir.path, 'units');
    const result = await runVya(['schedule', 'install', '--systemd', '--dir', units, '--config', config]);
    expect(result.code, result.stderr).to.equal(0);
    expect((await readdir(units)).sort()).to.deep.equal(['vya-backup-nightly.service', 'vya-backup-nightly.timer', 'vya-backup-weekly.service', 'vya-backup-weekly.timer']);
    expect(await readFile(join(units, 'vya-backup-nightly.timer'), 'utf8')).to.match(/^OnCalendar=\*-\*-\* 02:30:00 Europe\/Paris$/m);
    expect(await readFile(join(units, 'vya-backup-weekly.service'), 'utf8')).to.match(/ExecStart=.*run\.js backup weekly --scheduled --config .*vya\.yml$/m);
  });

  it('schedule install --cron prints crontab lines', async () => {
    const result = await runVya(['schedule', 'install', '--cron', '--config', config]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^CRON_TZ=Europe\/Paris\n30 2 \* \* \* .*backup nightly --scheduled --config/m);
    expect(result.stdout).to.match(/^0 4 \* \* 0 .*backup weekly/m);
  });

  it('needs exactly one of --systemd and --cron', async () => {
    const result = await runVya(['schedule', 'install', '--config', config]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^Error: .*(--systemd|--cron)/m);
  });

  it('backup --scheduled (what the units and cron lines run) applies the timeout and the retries like the daemon', async () => {
    const scheduled = join(dir.path, 'scheduled.yml');
    await writeFile(
      scheduled,
      `sources:
  s: { type: files, paths: [${dir.path}] }
  broken: { type: postgres, host: 127.0.0.1, username: postgres, include: [postgres], bin_dir: /nonexistent/bin }
sinks:
  r: { type: local, path: ${join(dir.path, 'r2')} }
jobs:
  flaky: { source: broken, sink: r, schedule: { cron: "0 2 * * *", retries: 2, retry_delay: 1s } }
`,
    );
    const env = { VYA_STATE_DIR: join(dir.path, 'state-scheduled') };
    const result = await runVya(['backup', 'flaky', '--scheduled', '--config', scheduled], { env });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/flaky: run failed; retry 1 of 2 in 1 s/);
    expect(result.stderr).to.match(/flaky: run failed; retry 2 of 2 in 2 s/);
    const history = parseJson<{ job: string; outcome: string }[]>(await runVya(['history', '--json', '--config', scheduled], { env }));
    expect(history.map((run) => run.outcome)).to.deep.equal(['failed', 'failed', 'failed']);
    const once = await runVya(['backup', 'flaky', '--config', scheduled], { env });
    expect(once.stderr).to.not.match(/retry/);
  });
});
