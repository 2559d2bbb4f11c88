import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../support/cli.js';

/** Values that used to pass `vya check` and break the daemon, `schedule list` or prune later. */
const BAD_VALUES: { name: string; job: string; path: string; says: RegExp }[] = [
  { name: 'an 8-field cron', job: 'schedule: { cron: "0 0 2 * * * * *" }', path: 'jobs.nightly.schedule.cron', says: /invalid cron expression/ },
  { name: 'a cron that never fires', job: 'schedule: { cron: "0 2 30 2 *" }', path: 'jobs.nightly.schedule.cron', says: /never fires/ },
  { name: 'an unknown schedule time zone', job: 'schedule: { cron: "0 2 * * *", timezone: Nowhere/X }', path: 'jobs.nightly.schedule.timezone', says: /unknown time zone "Nowhere\/X"/ },
  { name: 'an unknown retention time zone', job: 'retention: { keep_daily: 7, timezone: Mars/Olympus }', path: 'jobs.nightly.retention.timezone', says: /unknown time zone "Mars\/Olympus"/ },
  { name: 'a timeout longer than a timer holds', job: 'schedule: { cron: "0 2 * * *", timeout: 30d }', path: 'jobs.nightly.schedule.timeout', says: /longer than the limit of 24d/ },
  { name: 'a zero timeout', job: 'schedule: { cron: "0 2 * * *", timeout: 0s }', path: 'jobs.nightly.schedule.timeout', says: /is zero/ },
  { name: 'a jitter longer than a day', job: 'schedule: { cron: "0 2 * * *", jitter_seconds: 3000000 }', path: 'jobs.nightly.schedule.jitter_seconds', says: /must be at most 86400/ },
  { name: 'more retries than the backoff timer holds', job: 'schedule: { cron: "0 2 * * *", retries: 40 }', path: 'jobs.nightly.schedule.retries', says: /must be at most 10/ },
  { name: 'a keep_within beyond any date', job: 'retention: { keep_within: 300000y }', path: 'jobs.nightly.retention.keep_within', says: /longer than the limit of 1000y/ },
];

describe('end to end: config values that could only fail later are refused by vya check', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;

  before(async () => {
    dir = await tempDir('vya-e2e-config-values-');
    env = { VYA_CONFIG_HOME: join(dir.path, 'config-home'), VYA_STATE_DIR: join(dir.path, 'state') };
    await mkdir(join(dir.path, 'data'));
    await mkdir(join(dir.path, 'repo'));
  });
  after(async () => dir.cleanup());

  const configWith = async (jobLine: string) => {
    const file = join(dir.path, 'vya.yml');
    const text = [
      'version: 1',
      `state_dir: ${join(dir.path, 'state')}`,
      `sources: { data: { type: files, paths: [${join(dir.path, 'data')}] } }`,
      `sinks: { repo: { type: local, path: ${join(dir.path, 'repo')} } }`,
      'jobs:',
      '  nightly:',
      '    source: data',
      '    sink: repo',
      `    ${jobLine}`,
      '',
    ].join('\n');
    await writeFile(file, text);
    return file;
  };

  it('a good schedule and retention pass', async () => {
    const config = await configWith('schedule: { cron: "0 2 * * *", timezone: Europe/Paris, timeout: 24d, jitter_seconds: 600, retries: 3 }');
    const result = await runVya(['check', '--config', config], { env });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
  });

  for (const bad of BAD_VALUES) {
    it(`${bad.name}: check fails naming ${bad.path}, and backup exits 2 before any work`, async () => {
      const config = await configWith(bad.job);
      const check = await runVya(['check', '--config', config], { env });
      // An invalid config is bad input: check lists every problem and exits 2, like every command.
      expect(check.code, check.stdout + check.stderr).to.equal(2);
      const line = check.stdout.split('\n').find((l) => l.includes(bad.path));
      expect(line, check.stdout).to.match(/^FAIL {2}config: .*vya\.yml:\d+:\d+: /);
      expect(line, check.stdout).to.match(bad.says);
      const backup = await runVya(['backup', '--config', config], { env });
      expect(backup.code, backup.stderr).to.equal(2);
      expect(backup.stderr).to.include(bad.path);
      expect(backup.stderr + check.stdout).to.not.match(/INTERNAL|at .*\.js:\d+/);
    });
  }

  it('schedule list and prune refuse the same config instead of failing midway', async () => {
    const config = await configWith('retention: { keep_within: 300000y, timezone: Mars/Olympus }');
    for (const command of [['schedule', 'list'], ['prune']]) {
      const result = await runVya([...command, '--config', config], { env });
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).to.equal(2);
      expect(result.stderr).to.include('jobs.nightly.retention.timezone');
    }
  });
});
