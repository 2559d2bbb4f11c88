import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

describe('backup of several jobs when one source is down', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state') });

  before(async () => {
    dir = await tempDir('vya-e2e-jobs-');
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  data: { type: files, paths: [./data] }
  down: { type: mysql, host: 127.0.0.1, port: 1, username: root }
sinks: { repo: { type: local, path: ./repo } }
jobs:
  broken: { source: down, sink: repo }
  good: { source: data, sink: repo }
`,
    );
  });
  after(async () => dir.cleanup());

  it('--dry-run shows the plan of the healthy job and names the job that cannot be planned', async () => {
    const result = await runVya(['backup', '--dry-run', '--config', config], { env: env() });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/^broken: cannot plan: cannot reach MySQL at 127\.0\.0\.1:1/m);
    expect(result.stdout).to.match(/^good: 1 unit\(s\) from data to repo: /m);
    const json = parseJson<{ ok: boolean; plans: { job: string; error?: string; units: unknown[] }[] }>(await runVya(['backup', '--dry-run', '--json', '--config', config], { env: env() }));
    expect(json.ok).to.equal(false);
    expect(json.plans.map((plan) => [plan.job, plan.units.length, Boolean(plan.error)])).to.deep.equal([
      ['broken', 0, true],
      ['good', 1, false],
    ]);
  });

  it('a real run backs up the healthy job, reports the failed one and exits 1', async () => {
    const result = await runVya(['backup', '--config', config], { env: env() });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/^broken: failed: /m);
    expect(result.stdout).to.match(/^good: succeeded: 1\/1 unit/m);
  });
});
