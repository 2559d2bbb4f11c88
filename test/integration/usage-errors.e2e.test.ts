import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../support/cli.js';

describe('usage errors: one readable line and a hint that helps', function () {
  this.timeout(60_000);

  it('a missing argument names it and shows the usage (no oclif advice glued on)', async () => {
    const result = await runVya(['restore']);
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.deep.equal(['Error: missing SNAPSHOT (snapshot id, id prefix, or JOB/UNIT@latest)', 'Hint: vya restore SNAPSHOT ...; see `vya restore --help`']);
  });

  it('a mistyped flag gets a suggestion; an unknown one points at --help', async () => {
    const typo = await runVya(['verify', '--identty', 'key.txt', 'x']);
    expect(typo.code).to.equal(2);
    expect(typo.stderr).to.match(/^Error: unknown flag --identty\nHint: did you mean --identity\? see `vya verify --help`\n$/);
    const unknown = await runVya(['backup', '--bogus']);
    expect(unknown.stderr).to.match(/^Error: unknown flag --bogus\nHint: see `vya backup --help`\n$/);
  });

  it('extra arguments are named; with --json the error is one JSON document', async () => {
    const result = await runVya(['restore', 'a', 'b', '--to', '/tmp/x', '--json']);
    expect(result.code).to.equal(2);
    expect(JSON.parse(result.stdout)).to.deep.equal({ error: { message: 'unexpected argument b', code: 'USAGE', hint: 'see `vya restore --help`' } });
  });

  it('-i takes one value: `verify -i key.txt JOB/UNIT@latest` reads the snapshot as the snapshot', async () => {
    const dir = await tempDir('vya-e2e-usage-');
    try {
      await mkdir(join(dir.path, 'data'));
      await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
      const key = join(dir.path, 'key.txt');
      execFileSync('age-keygen', ['-o', key], { stdio: 'ignore' });
      const recipient = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
      const config = join(dir.path, 'vya.yml');
      await writeFile(config, `sources: { data: { type: files, paths: [./data] } }\nsinks: { repo: { type: local, path: ./repo } }\njobs: { j: { source: data, sink: repo, encryption: { recipients: [${recipient}] } } }\n`);
      const env = { VYA_STATE_DIR: join(dir.path, 'state'), VYA_AGE_IDENTITY: '' };
      expect((await runVya(['backup', '--config', config], { env })).code).to.equal(0);
      const unit = join(dir.path, 'data').slice(1);
      const verify = await runVya(['verify', '-i', key, `j/${unit}@latest`, '--config', config], { env });
      expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
      const restore = await runVya(['restore', '-i', key, `j/${unit}@latest`, '--to', join(dir.path, 'out'), '--config', config], { env });
      expect(restore.code, restore.stdout + restore.stderr).to.equal(0);
    } finally {
      await dir.cleanup();
    }
  });
});
