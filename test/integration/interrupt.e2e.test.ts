import { createWriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { generatedStream } from '@vya/testing';
import { parseJson, runVya, tempDir } from '../support/cli.js';

describe('end to end: interrupted and failing backups leave nothing listed', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_CONFIG_HOME: join(dir.path, 'cfg') });

  before(async () => {
    dir = await tempDir('vya-e2e-interrupt-');
    await mkdir(join(dir.path, 'data'));
    await pipeline(generatedStream(600 * 1024 * 1024, 3), createWriteStream(join(dir.path, 'data', 'big.bin')));
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  data: { type: files, paths: [./data] }
  missing: { type: files, paths: [./does-not-exist] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  big: { source: data, sink: repo, compression: { algorithm: gzip, level: 6 } }
  broken: { source: missing, sink: repo }
`,
    );
  });
  after(async () => dir.cleanup());

  it('SIGTERM mid-backup: exit non-zero, no snapshot listed, no partial object left', async () => {
    // Once the run has announced its unit (not after a fixed delay a loaded machine outruns).
    const result = await runVya(['backup', 'big', '--config', config], { env: env(), kill: { signal: 'SIGTERM', when: (stderr) => /unit\(s\) to back up/.test(stderr) } });
    expect(result.code, result.stderr).to.not.equal(0);
    expect(result.stderr).to.match(/SIGTERM received/);
    expect(result.stdout + result.stderr).to.match(/aborted/);
    const list = await runVya(['snapshots', '--config', config, '--json'], { env: env() });
    expect(parseJson<unknown[]>(list)).to.deep.equal([]);
    const leftovers = await readdir(join(dir.path, 'repo'), { recursive: true, withFileTypes: true }).catch(() => []);
    expect(leftovers.filter((entry) => entry.isFile()).map((entry) => entry.name)).to.deep.equal([]);
  });

  it('a job whose source fails exits 1 with the reason, and other jobs still run', async () => {
    const result = await runVya(['backup', 'broken', '--config', config, '--json'], { env: env() });
    expect(result.code).to.equal(1);
    const body = parseJson<{ ok: boolean; runs: { outcome: string; error: string }[] }>(result);
    expect(body.ok).to.equal(false);
    expect(body.runs[0].outcome).to.equal('failed');
    expect(body.runs[0].error).to.match(/does-not-exist does not exist/);
  });

  it('an unknown job name is a usage error with the defined names as hint', async () => {
    const result = await runVya(['backup', 'nope', '--config', config], { env: env() });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^Error: no job named "nope"$/m);
    expect(result.stderr).to.match(/^Hint: defined jobs: big, broken$/m);
  });

  it('a bad flag is one line and a hint, exit 2, no stack trace', async () => {
    const result = await runVya(['snapshots', '--config', config, '--colour'], { env: env() });
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.have.length(2);
    expect(result.stderr).to.match(/^Error: unknown flag --colour$/m);
    expect(result.stderr).to.not.match(/\n\s+at /);
  });

  it('an invalid config names file, line and path, exit 2', async () => {
    const bad = join(dir.path, 'bad.yml');
    await writeFile(bad, 'sources:\n  data: { type: files, paths: [./data] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  j: { source: data, sink: repo, compression: { algorithm: brotli } }\n');
    const result = await runVya(['backup', '--config', bad], { env: env() });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/bad\.yml:6:\d+: jobs\.j\.compression\.algorithm: must be one of: zstd, gzip, none/);
  });

  it('no config at all says how to make one', async () => {
    const result = await runVya(['snapshots'], { env: env(), cwd: join(dir.path, 'data') });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^Error: no config file found$/m);
    expect(result.stderr).to.match(/^Hint: create one with `vya init`/m);
  });
});
