import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir, type CliResult } from '../support/cli.js';

/** Exactly one JSON document on stdout, whatever the command did (JSON.parse refuses two). */
function oneJsonDocument(result: CliResult, what: string): unknown {
  expect(result.stdout.trim(), `${what}: nothing on stdout (stderr: ${result.stderr})`).to.not.equal('');
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`${what}: stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr: ${result.stderr}`);
  }
}

describe('--json: every command writes exactly one JSON document on stdout', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  const vya = (args: string[], input?: string) => runVya([...args, '--json'], { env, cwd: dir.path, input });

  before(async () => {
    dir = await tempDir('vya-e2e-json-');
    env = { VYA_STATE_DIR: join(dir.path, 'state'), VYA_CONFIG_HOME: join(dir.path, 'home'), VYA_CONFIG: join(dir.path, 'vya.yml') };
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
    await writeFile(
      join(dir.path, 'vya.yml'),
      `sources: { data: { type: files, paths: [./data] } }
sinks: { repo: { type: local, path: ./repo } }
jobs:
  files:
    source: data
    sink: repo
    retention: { keep_last: 5 }
    schedule: { cron: "0 2 * * *" }
`,
    );
  });
  after(async () => dir.cleanup());

  it('for each command and subcommand, on success and on error', async () => {
    const unit = join(dir.path, 'data').replace(/^\//, '');
    const walk: [string, string[], string?][] = [
      ['check', ['check']],
      ['backup --dry-run', ['backup', '--dry-run']],
      ['backup', ['backup']],
      ['snapshots', ['snapshots']],
      ['verify --all', ['verify', '--all']],
      ['restore', ['restore', `files/${unit}@latest`, '--to', join(dir.path, 'restored')]],
      ['restore of an unknown snapshot (error)', ['restore', 'nope', '--to', join(dir.path, 'x')]],
      ['history', ['history']],
      ['report', ['report']],
      ['prune --dry-run', ['prune', '--dry-run']],
      ['locks', ['locks']],
      ['unlock', ['unlock']],
      ['schedule list', ['schedule', 'list']],
      ['schedule install --cron', ['schedule', 'install', '--cron']],
      ['secrets init', ['secrets', 'init']],
      ['secrets set', ['secrets', 'set', 'pg', '--username', 'u', '--no-password', '--field', 'token=-'], 't0ken\n'],
      ['secrets list', ['secrets', 'list']],
      ['secrets get', ['secrets', 'get', 'pg']],
      ['secrets info', ['secrets', 'info']],
      ['secrets remove', ['secrets', 'remove', 'pg', '--force']],
      ['init', ['init', '--config', join(dir.path, 'new', 'vya.yml'), '--path', join(dir.path, 'data'), '--repository', join(dir.path, 'new-repo')]],
      ['migrate of a missing file (error)', ['migrate', join(dir.path, 'missing.json')]],
      ['an unknown flag (error)', ['snapshots', '--bogus']],
      ['plugins', ['plugins']],
    ];
    for (const [what, args, input] of walk) oneJsonDocument(await vya(args, input), what);
  });
});
