import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { generatedStream } from '@vya/testing';
import { runVya, tempDir } from '../support/cli.js';

/** Every row of the exit-code table in docs/commands.md, through the real binary. */
describe('exit codes, as docs/commands.md tabulates them', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_CONFIG_HOME: join(dir.path, 'home'), VYA_AGE_IDENTITY: '' });
  const vya = (...args: string[]) => runVya([...args, '--config', join(dir.path, 'vya.yml')], { env: env(), cwd: dir.path });

  before(async () => {
    dir = await tempDir('vya-e2e-exit-');
    await mkdir(join(dir.path, 'data'));
    await mkdir(join(dir.path, 'big'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
    await pipeline(generatedStream(400 * 1024 * 1024, 3), createWriteStream(join(dir.path, 'big', 'big.bin')));
    await writeFile(join(dir.path, 'key.txt'), 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n');
    await writeFile(
      join(dir.path, 'vya.yml'),
      `secrets: { store: env, env: { type: env } }
sources:
  data: { type: files, paths: [./data] }
  big: { type: files, paths: [./big] }
  down: { type: mysql, host: 127.0.0.1, port: 1, username: root }
  locked: { type: postgres, host: 127.0.0.1, username: postgres, password: "secret:nope.password" }
sinks: { repo: { type: local, path: ./repo } }
jobs:
  ok: { source: data, sink: repo, encryption: { recipients: [age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p] } }
  big: { source: big, sink: repo, compression: { algorithm: gzip, level: 6 } }
  down: { source: down, sink: repo }
`,
    );
  });
  after(async () => dir.cleanup());

  it('0: everything succeeded', async () => {
    expect((await vya('backup', 'ok')).code).to.equal(0);
  });

  it('1: something failed (a job whose server is down; a failed check)', async () => {
    expect((await vya('backup', 'down')).code).to.equal(1);
    expect((await vya('check')).code).to.equal(1);
  });

  it('2: bad input, nothing attempted (flag, config, job, snapshot, secret, identity)', async () => {
    expect((await vya('backup', '--bogus')).code, 'unknown flag').to.equal(2);
    expect((await vya('backup', 'nope')).code, 'unknown job').to.equal(2);
    expect((await vya('restore', 'nope', '--to', join(dir.path, 'r'))).code, 'unknown snapshot').to.equal(2);
    expect((await vya('secrets', 'get', 'nope')).code, 'unknown secret').to.equal(2);
    const missingIdentity = await vya('restore', 'ok/' + join(dir.path, 'data').slice(1) + '@latest', '--to', join(dir.path, 'r'));
    expect(missingIdentity.code, `missing identity: ${missingIdentity.stderr}`).to.equal(2);
    const wrongIdentity = await vya('restore', 'ok/' + join(dir.path, 'data').slice(1) + '@latest', '--to', join(dir.path, 'r'), '-i', join(dir.path, 'key.txt'));
    expect(wrongIdentity.code, `wrong identity: ${wrongIdentity.stderr}`).to.equal(2);
    await writeFile(join(dir.path, 'bad.yml'), 'sources: { x: { type: tape } }\n');
    expect((await runVya(['check', '--config', join(dir.path, 'bad.yml')], { env: env() })).code, 'invalid config (check)').to.equal(2);
    expect((await runVya(['backup', '--config', join(dir.path, 'bad.yml')], { env: env() })).code, 'invalid config (backup)').to.equal(2);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${code}: interrupted by ${signal}`, async () => {
      let sent = false;
      // Once: a second signal means "quit at once" and ends the process by the signal itself.
      const when = (stderr: string) => !sent && (sent = /unit\(s\) to back up/.test(stderr));
      const result = await runVya(['backup', 'big', '--config', join(dir.path, 'vya.yml')], { env: env(), cwd: dir.path, kill: { signal, when } });
      expect(result.stderr).to.match(new RegExp(`${signal} received`));
      expect(result.code).to.equal(code);
    });
  }
});
