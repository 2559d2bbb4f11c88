import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir, type CliResult } from '../support/cli.js';

/** Every secret key line of an identity file. */
function secretKeys(contents: string): string[] {
  return contents.split('\n').filter((line) => line.startsWith('AGE-SECRET-KEY-1'));
}

function expectNoKey(result: CliResult, keys: string[]): void {
  const output = result.stdout + result.stderr;
  for (const key of keys) {
    expect(output).to.not.include(key);
    expect(output).to.not.include(key.toLowerCase());
    // Any recognisable part of it.
    expect(output).to.not.include(key.slice(16, 40));
  }
  expect(output).to.not.match(/AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{8}/i);
}

describe('end to end: identity contents in VYA_AGE_IDENTITY, secret: references, never in --identity', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let identity: string;
  let wrong: string;
  const latest = () => `files/${join(dir.path, 'data').replace(/^\/+/, '')}@latest`;
  const env = (extra: Record<string, string> = {}) => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_AGE_IDENTITY: '', ...extra });

  before(async () => {
    dir = await tempDir('vya-e2e-identity-');
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'hello\n');
    execFileSync('age-keygen', ['-o', join(dir.path, 'key.txt')], { stdio: 'ignore' });
    execFileSync('age-keygen', ['-o', join(dir.path, 'wrong.txt')], { stdio: 'ignore' });
    identity = await readFile(join(dir.path, 'key.txt'), 'utf8');
    wrong = await readFile(join(dir.path, 'wrong.txt'), 'utf8');
    const recipient = execFileSync('age-keygen', ['-y', join(dir.path, 'key.txt')], { encoding: 'utf8' }).trim();
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  data: { type: files, paths: [./data] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  files: { source: data, sink: repo, encryption: { recipients: [${recipient}] } }
`,
    );
    const backup = await runVya(['backup', 'files', '--config', config], { env: env() });
    expect(backup.code, backup.stderr).to.equal(0);
  });
  after(async () => dir.cleanup());

  it('VYA_AGE_IDENTITY holding the file contents decrypts, and the key is never printed', async () => {
    for (const json of [[], ['--json']]) {
      const result = await runVya(['verify', '--all', ...json, '--config', config], { env: env({ VYA_AGE_IDENTITY: identity }) });
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.match(/age decryption/);
      expectNoKey(result, secretKeys(identity));
    }
  });

  it('--identity "$(cat key.txt)" is refused before anything is read, without printing the key (argv is public)', async () => {
    for (const json of [[], ['--json']]) {
      for (const command of [['verify', '--all'], ['restore', latest(), '--to', join(dir.path, 'never')], ['drill', 'files']]) {
        const result = await runVya([...command, ...json, '-i', identity, '--config', config], { env: env() });
        expect(result.code, `${command[0]} ${json.join('')}`).to.equal(2);
        expect(result.stdout + result.stderr).to.match(/--identity takes a path to an identity file or a secret: reference, not the key itself/);
        expectNoKey(result, secretKeys(identity));
      }
    }
  });

  it('--identity secret:NAME.FIELD decrypts with the identity held in the secret store', async () => {
    for (const json of [[], ['--json']]) {
      const result = await runVya(['verify', '--all', ...json, '-i', 'secret:age.identity', '--config', config], { env: env({ VYA_SECRET_AGE_IDENTITY: identity }) });
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stdout).to.match(/age decryption/);
      expectNoKey(result, secretKeys(identity));
    }
    const target = join(dir.path, 'restored-from-secret');
    const restore = await runVya(['restore', latest(), '--to', target, '-i', 'secret:age.identity', '--config', config], { env: env({ VYA_SECRET_AGE_IDENTITY: identity }) });
    expect(restore.code, restore.stderr).to.equal(0);
    expect(await readFile(join(target, 'a.txt'), 'utf8')).to.equal('hello\n');
  });

  it('a wrong or damaged key fails without printing it', async () => {
    const damaged = identity.replace(/AGE-SECRET-KEY-1(.)/, (_, c: string) => `AGE-SECRET-KEY-1${c === 'Q' ? 'P' : 'Q'}`);
    for (const value of [wrong, damaged]) {
      for (const json of [[], ['--json']]) {
        const fromEnv = await runVya(['verify', '--all', ...json, '--config', config], { env: env({ VYA_AGE_IDENTITY: value }) });
        expect(fromEnv.code).to.not.equal(0);
        if (value === damaged) expect(fromEnv.stdout + fromEnv.stderr).to.match(/the age identity given in VYA_AGE_IDENTITY is not valid/);
        expectNoKey(fromEnv, [...secretKeys(value), ...secretKeys(identity)]);
        const fromFlag = await runVya(['restore', latest(), '--to', join(dir.path, 'out'), ...json, '-i', 'secret:age.identity', '--config', config], { env: env({ VYA_SECRET_AGE_IDENTITY: value }) });
        // Bad input, nothing attempted (docs/commands.md): a key that is not an identity, or one that opens nothing.
        expect(fromFlag.code, fromFlag.stdout + fromFlag.stderr).to.equal(2);
        expect(fromFlag.stdout + fromFlag.stderr).to.match(value === damaged ? /the age identity given in --identity secret:age\.identity is not valid/ : /no identity given matches a recipient/);
        expectNoKey(fromFlag, [...secretKeys(value), ...secretKeys(identity)]);
      }
    }
  });

  it('a missing or malformed identity file is named by its path, bad input (exit 2), its text never shown', async () => {
    const result = await runVya(['verify', '--all', '-i', join(dir.path, 'nope.txt'), '--config', config], { env: env() });
    expect(result.code).to.equal(2);
    expect(result.stdout + result.stderr).to.include(join(dir.path, 'nope.txt'));
    const malformed = join(dir.path, 'malformed.txt');
    await writeFile(malformed, `# created: today\n${identity.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'))?.slice(0, 40) ?? ''}\n`);
    const restore = await runVya(['restore', latest(), '--to', join(dir.path, 'never-malformed'), '-i', malformed, '--config', config], { env: env() });
    expect(restore.code, restore.stderr).to.equal(2);
    expect(restore.stderr).to.match(/^Error: identity file line 2 is not an age identity \(.*malformed\.txt\)$/m);
    expectNoKey(restore, secretKeys(identity));
  });
});
