import { spawnSync } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya } from '../../../test/support/cli.js';
import { withVaultLock } from '../src/vault-lock.js';

describe('vault-file: parallel writers and the vault lock', function () {
  this.timeout(180_000);
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vya-vault-lock-'));
    env = { VYA_CONFIG_HOME: join(dir, 'config-home'), VYA_STATE_DIR: join(dir, 'state'), VYA_VAULT_KEY: '' };
    const init = await runVya(['secrets', 'init'], { env, cwd: dir });
    expect(init.code, init.stderr).to.equal(0);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('ten parallel `vya secrets set` all remain stored', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `parallel-${i}`);
    const results = await Promise.all(names.map((name) => runVya(['secrets', 'set', name, '--username', name], { env, cwd: dir, input: `pw-${name}\n` })));
    for (const result of results) expect(result.code, result.stderr).to.equal(0);
    const listed = parseJson<{ name: string }[]>(await runVya(['secrets', 'list', '--json'], { env, cwd: dir }));
    expect(listed.map((s) => s.name).filter((n) => n.startsWith('parallel-')).sort()).to.deep.equal(names.sort());
    await access(join(dir, 'config-home', 'vault.enc.lock')).then(
      () => expect.fail('the lock file was left behind'),
      () => {},
    );
  });

  it('a lock left by a killed process on this host is broken', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(join(dir, 'config-home', 'vault.enc.lock'), JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), at: new Date().toISOString() }));
    const result = await runVya(['secrets', 'set', 'after-crash', '--username', 'x'], { env, cwd: dir, input: 'pw\n' });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/stored after-crash/);
  });

  it("a live lock from another host is waited for, then named in a clear error", async () => {
    const vault = join(dir, 'other-host.enc');
    await writeFile(`${vault}.lock`, JSON.stringify({ pid: 1, host: 'elsewhere.example', at: '2026-01-01T00:00:00.000Z' }));
    let ran = false;
    const error = await withVaultLock(vault, async () => (ran = true), { waitMs: 300 }).then(
      () => undefined,
      (e: unknown) => e as { message: string; code: string; hint: string },
    );
    expect(ran).to.equal(false);
    expect(error?.code).to.equal('VAULT_LOCKED');
    expect(error?.message).to.equal(`vault ${vault} is locked by process 1 on elsewhere.example (since 2026-01-01T00:00:00.000Z)`);
    expect(error?.hint).to.include(`remove ${vault}.lock`);
  });
});
