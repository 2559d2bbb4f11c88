import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, repoRoot, runVya, tempDir } from '../support/cli.js';

interface HistoryRun {
  job: string;
  outcome: string;
  units: { status: string; error?: string }[];
}

/** A source that never delivers a byte (test/fixtures/plugin-stalled-source), linked as a plugin. */
describe('end to end: a stalled source fails the run instead of hanging it', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  let config: string;

  before(async () => {
    dir = await tempDir('vya-e2e-stalled-');
    env = { VYA_DATA_DIR: join(dir.path, 'data'), VYA_CACHE_DIR: join(dir.path, 'cache'), VYA_STATE_DIR: join(dir.path, 'state') };
    const link = await runVya(['plugins', 'link', join(repoRoot, 'test', 'fixtures', 'plugin-stalled-source'), '--no-install'], { env });
    expect(link.code, link.stderr).to.equal(0);
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  s: { type: stalled }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  stuck:\n    source: s\n    sink: repo\n    schedule: { cron: "* * * * * *" }\n`);
  });
  after(async () => dir.cleanup());

  it('vya backup fails the run with "source stalled" (never a silent exit 13), records it and releases the lock', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await runVya(['backup', '--config', config], { env, timeoutMs: 60_000 });
      expect(result.code, result.stderr).to.equal(1);
      expect(result.stdout).to.match(/stuck: failed: 0\/1 unit\(s\)/);
      expect(result.stdout).to.match(/FAILED {2}never {2}.*source stalled/);
    }
    const history = parseJson<HistoryRun[]>(await runVya(['history', '--json', '--config', config], { env }));
    expect(history.filter((run) => run.job === 'stuck' && run.outcome === 'failed')).to.have.length(2);
    expect(await readdir(join(dir.path, 'repo')).catch(() => [])).not.to.include('data');
  });

  it('under vya daemon, a stalled run fails after the stall timeout and later ticks run again', async () => {
    const daemon = await runVya(['daemon', '--config', config], { env: { ...env, VYA_STALL_TIMEOUT: '2s' }, kill: { signal: 'SIGTERM', afterMs: 12_000 }, timeoutMs: 60_000 });
    expect(daemon.code, daemon.stderr).to.equal(0);
    const stalls = daemon.stderr.match(/stuck\/never: stalled: no data moved from the source to the sink for 2 s/g) ?? [];
    expect(stalls.length, daemon.stderr).to.be.greaterThan(1);
  });
});
