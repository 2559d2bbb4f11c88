import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';
import { runVyaOnTerminal } from '../support/pty.js';

describe('end to end: vya on a terminal (prompts) and off one', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;

  before(async () => {
    dir = await tempDir('vya-e2e-terminal-');
    env = { VYA_CONFIG_HOME: join(dir.path, 'config-home'), VYA_STATE_DIR: join(dir.path, 'state'), VYA_VAULT_KEY: '' };
    expect((await runVya(['secrets', 'init'], { env, cwd: dir.path })).code).to.equal(0);
  });
  after(async () => dir.cleanup());

  it('a mistyped command off a terminal names the closest one and exits 127 at once', async () => {
    const started = Date.now();
    const result = await runVya(['bakup'], { env, cwd: dir.path });
    expect(result.code).to.equal(127);
    expect(result.stderr).to.match(/^Error: "bakup" is not a vya command$/m);
    expect(result.stderr).to.match(/^Hint: did you mean `vya backup`\?/m);
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('a mistyped command on a terminal asks "did you mean", and runs the command on yes', async () => {
    const declined = await runVyaOnTerminal(['bakup'], [{ expect: /Did you mean backup\?/, send: 'n\r' }], { env, cwd: dir.path });
    expect(declined.screen).to.match(/Did you mean backup\?/);
    expect(declined.code).to.equal(127);
    const accepted = await runVyaOnTerminal(['bakup'], [{ expect: /Did you mean backup\?/, send: 'y\r' }], { env, cwd: dir.path });
    // backup ran: without a config file it says so
    expect(accepted.screen).to.match(/no config file found/);
    expect(accepted.code).to.equal(2);
  });

  it('secrets set asks for the password on the terminal without echoing it', async () => {
    const password = 'tty-Secr3t-typed';
    const result = await runVyaOnTerminal(['secrets', 'set', 'typed', '--username', 'u'], [{ expect: /password for typed/, send: `${password}\r` }], { env, cwd: dir.path });
    expect(result.code, result.screen).to.equal(0);
    expect(result.screen).to.match(/stored typed/);
    expect(result.screen).to.not.include(password);
    expect(result.screen).to.not.match(/\*{4}/);
    const stored = parseJson<{ password: string }>(await runVya(['secrets', 'get', 'typed', '--show-password', '--json'], { env, cwd: dir.path }));
    expect(stored.password).to.equal(password);
  });

  it('secrets remove asks for confirmation on the terminal: no keeps it, yes removes it', async () => {
    await runVya(['secrets', 'set', 'doomed'], { env, cwd: dir.path, input: 'x\n' });
    const kept = await runVyaOnTerminal(['secrets', 'remove', 'doomed'], [{ expect: /remove doomed\?/, send: 'n\r' }], { env, cwd: dir.path });
    expect(kept.code, kept.screen).to.equal(1);
    expect(kept.screen).to.match(/not removed: doomed/);
    const removed = await runVyaOnTerminal(['secrets', 'remove', 'doomed'], [{ expect: /remove doomed\?/, send: 'y\r' }], { env, cwd: dir.path });
    expect(removed.code, removed.screen).to.equal(0);
    expect(removed.screen).to.match(/removed doomed/);
    expect((await runVya(['secrets', 'get', 'doomed'], { env, cwd: dir.path })).code).to.not.equal(0);
  });
});
