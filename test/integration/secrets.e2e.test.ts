import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

describe('end to end: vya secrets and secret references in the config', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  const password = 'Sup3r "secret" pässwörd\\';

  before(async () => {
    dir = await tempDir('vya-e2e-secrets-');
    env = { VYA_CONFIG_HOME: join(dir.path, 'config-home'), VYA_STATE_DIR: join(dir.path, 'state'), VYA_VAULT_KEY: '' };
  });
  after(async () => dir.cleanup());

  it('init creates the default vault and its key file, both 0600, and refuses to run twice', async () => {
    const result = await runVya(['secrets', 'init'], { env, cwd: dir.path });
    expect(result.code, result.stderr).to.equal(0);
    const { statSync } = await import('node:fs');
    expect(statSync(join(dir.path, 'config-home', 'vault.enc')).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dir.path, 'config-home', 'vault.key')).mode & 0o777).to.equal(0o600);
    const again = await runVya(['secrets', 'init'], { env, cwd: dir.path });
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/already exists/);
  });

  it('set reads the password from standard input, never from argv', async () => {
    const result = await runVya(['secrets', 'set', 'pg-main', '--username', 'postgres', '--description', 'main PostgreSQL'], { env, cwd: dir.path, input: `${password}\n` });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/stored pg-main/);
    expect(await readFile(join(dir.path, 'config-home', 'vault.enc'), 'utf8')).to.not.include('Sup3r');
  });

  it('get hides the password unless --show-password', async () => {
    const hidden = await runVya(['secrets', 'get', 'pg-main'], { env, cwd: dir.path });
    expect(hidden.stdout).to.match(/password: +\*{8}/);
    expect(hidden.stdout).to.not.include('Sup3r');
    const shown = parseJson<{ password: string; username: string }>(await runVya(['secrets', 'get', 'pg-main', '--show-password', '--json'], { env, cwd: dir.path }));
    expect(shown).to.deep.include({ username: 'postgres', password });
  });

  it('list prints a table, or JSON without passwords', async () => {
    await runVya(['secrets', 'set', 'gcp', '--no-password', '--field', 'json=-'], { env, cwd: dir.path, input: '{"type":"service_account"}' });
    const table = await runVya(['secrets', 'list'], { env, cwd: dir.path });
    expect(table.stdout).to.match(/^NAME +USERNAME +FIELDS +DESCRIPTION +UPDATED$/m);
    expect(table.stdout).to.match(/^pg-main +postgres +main PostgreSQL/m);
    const list = await runVya(['secrets', 'list', '--json'], { env, cwd: dir.path });
    expect(parseJson<{ name: string; fields: string[] }[]>(list).map((s) => `${s.name}:${s.fields.join(',')}`)).to.deep.equal(['gcp:json', 'pg-main:']);
    expect(list.stdout).to.not.include('Sup3r');
  });

  it('a config resolves secret:NAME.field through the vault, and check names an unknown secret and its store', async () => {
    await mkdir(join(dir.path, 'data'), { recursive: true });
    const config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets:
  store: vault
  vault: { type: vault-file, path: ${join(dir.path, 'config-home', 'vault.enc')}, key_file: ${join(dir.path, 'config-home', 'vault.key')} }
sources:
  pg: { type: postgres, host: 127.0.0.1, username: "secret:pg-main.username", password: "secret:pg-main.password", include: [postgres] }
  typo: { type: postgres, host: 127.0.0.1, username: postgres, password: "secret:pg-mian.password" }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  pg: { source: pg, sink: repo }
`,
    );
    const result = await runVya(['check', '--config', config], { env, cwd: dir.path });
    expect(result.stdout, result.stdout + result.stderr).to.match(/ok {4}source pg: server: PostgreSQL/);
    expect(result.stdout).to.match(/FAIL {2}source typo: sources\.typo\.password: secret "pg-mian" does not exist in secret store "vault"/);
    expect(result.stdout).to.match(/hint: add it with: vya secrets set pg-mian/);
    expect(result.stdout + result.stderr).to.not.include('Sup3r');
  });

  it('info describes the store; remove needs --force off a terminal', async () => {
    const info = parseJson<{ backend: string; secrets: number }>(await runVya(['secrets', 'info', '--json'], { env, cwd: dir.path }));
    expect(info).to.deep.include({ backend: 'vault file', secrets: 2 });
    const refused = await runVya(['secrets', 'remove', 'gcp'], { env, cwd: dir.path });
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/Hint: confirm on the terminal, or pass --force/);
    const removed = await runVya(['secrets', 'remove', 'gcp', '--force'], { env, cwd: dir.path });
    expect(removed.code, removed.stderr).to.equal(0);
    const missing = await runVya(['secrets', 'get', 'gcp'], { env, cwd: dir.path });
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/no secret named "gcp"/);
  });

  it('a wrong VYA_VAULT_KEY fails clearly and changes nothing', async () => {
    const before = await readFile(join(dir.path, 'config-home', 'vault.enc'), 'utf8');
    const result = await runVya(['secrets', 'set', 'x', '--password', 'y'], { env: { ...env, VYA_VAULT_KEY: Buffer.alloc(32, 9).toString('base64') }, cwd: dir.path });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/cannot open vault .*wrong key or passphrase/);
    expect(await readFile(join(dir.path, 'config-home', 'vault.enc'), 'utf8')).to.equal(before);
  });
});
