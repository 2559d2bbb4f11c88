import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

/** A hook that writes its VYA_* environment to a file, through an explicit `sh` (the hook itself has no shell). */
const dumpEnv = (file: string) => `[sh, -c, 'env | grep ^VYA_ | sort > "$0"', ${file}]`;

function envFile(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('job hooks: before, after and on_failure', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state') });
  const out = (name: string) => join(dir.path, 'out', name);

  before(async () => {
    dir = await tempDir('vya-e2e-hooks-');
    await mkdir(join(dir.path, 'data'));
    await mkdir(join(dir.path, 'out'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  data: { type: files, paths: [./data] }
sinks:
  repo: { type: local, path: ./repo }
  other: { type: local, path: ./other }
jobs:
  good:
    source: data
    sink: repo
    hooks:
      before: [${dumpEnv(out('before.env'))}, [echo, "hello from a hook; $HOME is not expanded"]]
      after: [${dumpEnv(out('after.env'))}]
      on_failure: [[touch, ${out('good-failed')}]]
  refused:
    source: data
    sink: other
    hooks:
      before: [[sh, -c, 'echo "database is in maintenance" >&2; exit 3']]
      on_failure: [${dumpEnv(out('failure.env'))}]
      after: [[touch, ${out('refused-after')}]]
  slow:
    source: data
    sink: other
    hooks:
      before: [{ command: [sleep, "30"], timeout: 1s }]
  broken-after:
    source: data
    sink: other
    hooks:
      after: [{ shell: "exit 4" }]
`,
    );
  });
  after(async () => dir.cleanup());

  it('passes the run to the hooks as environment variables and logs their output, without a shell', async () => {
    const result = await runVya(['backup', 'good', '--json', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    const run = parseJson<{ runs: { runId: string; units: { unit: string; snapshotId: string }[] }[] }>(result).runs[0];
    const before = envFile(await readFile(out('before.env'), 'utf8'));
    expect(before).to.include({ VYA_HOOK: 'before', VYA_JOB: 'good', VYA_RUN_ID: run.runId });
    expect(before).to.not.have.property('VYA_OUTCOME');
    const after = envFile(await readFile(out('after.env'), 'utf8'));
    expect(after).to.include({ VYA_HOOK: 'after', VYA_OUTCOME: 'succeeded', VYA_SNAPSHOT_IDS: run.units[0].snapshotId, VYA_UNITS: run.units[0].unit });
    expect(result.stderr).to.include('good: hook before[2]: hello from a hook; $HOME is not expanded');
    expect(await readdir(join(dir.path, 'out'))).to.not.include('good-failed');
  });

  it('a failing before hook fails the job without a backup, with its own message; on_failure and after still run', async () => {
    const result = await runVya(['backup', 'refused', '--config', join(dir.path, 'vya.yml')], { env: env() });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/error: hook before\[1\] \(sh\) exited 3: database is in maintenance/);
    expect(await readdir(dir.path)).to.not.include('other');
    const failure = envFile(await readFile(out('failure.env'), 'utf8'));
    expect(failure).to.include({ VYA_HOOK: 'on_failure', VYA_OUTCOME: 'failed', VYA_JOB: 'refused' });
    expect(failure.VYA_ERROR).to.match(/exited 3/);
    expect(await readdir(join(dir.path, 'out'))).to.include('refused-after');
    const history = parseJson<{ job: string; outcome: string; error?: string }[]>(await runVya(['history', '--json', '--job', 'refused', '--config', config], { env: env() }));
    expect(history[0]).to.include({ outcome: 'failed' });
  });

  it('a hook past its timeout is killed and fails the job', async () => {
    const started = Date.now();
    const result = await runVya(['backup', 'slow', '--config', config], { env: env() });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/hook before\[1\] \(sleep\) timed out after 1s/);
    expect(Date.now() - started).to.be.lessThan(20_000);
  });

  it('a failing after hook makes a good run partial: the backup is kept, the run is not green', async () => {
    const result = await runVya(['backup', 'broken-after', '--json', '--config', config], { env: env() });
    expect(result.code).to.equal(1);
    const run = parseJson<{ runs: { outcome: string; error: string; units: { status: string }[] }[] }>(result).runs[0];
    expect(run.outcome).to.equal('partial');
    expect(run.units[0].status).to.equal('succeeded');
    expect(run.error).to.match(/hook after\[1\] \(\/bin\/sh\) exited 4/);
  });

  it('vya check refuses a hook that is neither an argv list nor a command or shell', async () => {
    const bad = join(dir.path, 'bad.yml');
    await writeFile(bad, `sources: { data: { type: files, paths: [./data] } }\nsinks: { repo: { type: local, path: ./repo } }\njobs: { j: { source: data, sink: repo, hooks: { before: ["echo hi"], after: [{ timeout: 1s }] } } }\n`);
    const result = await runVya(['check', '--config', bad], { env: env() });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.match(/jobs\.j\.hooks\.before\[0\]|jobs\.j\.hooks\.before\.0/);
  });
});
