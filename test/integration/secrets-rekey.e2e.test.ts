import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir, type CliResult } from '../support/cli.js';
import { runVyaOnTerminal } from '../support/pty.js';

const SECRETS = { 'pg-main': 'pg pässword "1"', shop: 'shop-secret-2', mail: 'mail secret 3' };

/** A vault (path relative to the config) with the given key settings, as a config file. */
async function vaultConfig(dir: string, name: string, vault: string): Promise<string> {
  const config = join(dir, `${name}.yml`);
  await writeFile(config, `secrets:\n  store: vault\n  vault: { type: vault-file, path: ./vault.enc, ${vault} }\n`);
  return config;
}

describe('end to end: vya secrets rekey', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  const baseEnv = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_VAULT_KEY: '' });
  const vya = (config: string, args: string[], extra: Record<string, string> = {}, kill?: string) =>
    runVya([...args, '--config', config], { env: { ...baseEnv(), ...extra }, cwd: dir.path, kill: kill ? { signal: 'SIGKILL', when: (stderr) => stderr.includes(`paused at step "${kill}"`) } : undefined });

  /**
   * Every secret is there and one reads back with exactly its password: the vault is one
   * authenticated AES-GCM blob, so listing it proves all of it decrypted.
   */
  async function readsEverySecret(config: string, extra: Record<string, string> = {}): Promise<void> {
    const list = await vya(config, ['secrets', 'list', '--json'], extra);
    expect(list.code, list.stderr).to.equal(0);
    expect(parseJson<{ name: string }[]>(list).map((s) => s.name)).to.deep.equal(Object.keys(SECRETS).sort());
    const got = await vya(config, ['secrets', 'get', 'pg-main', '--show-password', '--json'], extra);
    expect(got.code, got.stderr).to.equal(0);
    expect(parseJson<{ password: string }>(got).password).to.equal(SECRETS['pg-main']);
  }

  async function cannotOpen(config: string, extra: Record<string, string> = {}): Promise<void> {
    const result = await vya(config, ['secrets', 'list'], extra);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/cannot open vault .*wrong key or passphrase/);
  }

  async function fill(config: string, extra: Record<string, string> = {}): Promise<void> {
    const init = await vya(config, ['secrets', 'init'], extra);
    expect(init.code, init.stderr).to.equal(0);
    for (const [name, password] of Object.entries(SECRETS)) {
      const set = await runVya(['secrets', 'set', name, '--config', config], { env: { ...baseEnv(), ...extra }, cwd: dir.path, input: password });
      expect(set.code, set.stderr).to.equal(0);
    }
  }

  function expectQuiet(result: CliResult, secrets: string[]): void {
    for (const secret of secrets) expect(result.stdout + result.stderr).to.not.include(secret);
  }

  beforeEach(async () => {
    dir = await tempDir('vya-e2e-rekey-');
  });
  afterEach(async () => dir.cleanup());

  it('key file: a new random key; the old key no longer opens the vault, the new one reads every secret', async () => {
    const config = await vaultConfig(dir.path, 'vya', 'key_file: ./vault.key');
    await fill(config);
    await copyFile(join(dir.path, 'vault.key'), join(dir.path, 'old.key'));
    const oldKey = await readFile(join(dir.path, 'old.key'), 'utf8');
    const result = await vya(config, ['secrets', 'rekey']);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/vault\.key holds a new random key; the old key no longer opens the vault/);
    const newKey = await readFile(join(dir.path, 'vault.key'), 'utf8');
    expect(newKey).to.not.equal(oldKey);
    expect((await stat(join(dir.path, 'vault.key'))).mode & 0o777).to.equal(0o600);
    expectQuiet(result, [oldKey.trim(), newKey.trim(), ...Object.values(SECRETS)]);
    await readsEverySecret(config);
    await cannotOpen(await vaultConfig(dir.path, 'old', 'key_file: ./old.key'));
  });

  it('key file, killed at each step: the vault still opens; the rerun completes and only its key opens the vault', async () => {
    const config = await vaultConfig(dir.path, 'vya', 'key_file: ./vault.key');
    await fill(config);
    const killedEarly = await vya(config, ['secrets', 'rekey'], { VYA_TEST_REKEY_PAUSE: 'new-key-ready' }, 'new-key-ready');
    expect(killedEarly.code).to.not.equal(0);
    expect(await readFile(join(dir.path, 'vault.key.new'), 'utf8')).to.match(/^[A-Za-z0-9+/]{43}=\n$/);
    await readsEverySecret(config);

    const killedLate = await vya(config, ['secrets', 'rekey'], { VYA_TEST_REKEY_PAUSE: 'vault-written' }, 'vault-written');
    expect(killedLate.code).to.not.equal(0);
    // The vault is under vault.key.new now: the key file alone no longer opens it, reads find the new key.
    await copyFile(join(dir.path, 'vault.key'), join(dir.path, 'before-rerun.key'));
    await copyFile(join(dir.path, 'vault.key.new'), join(dir.path, 'pending.key'));
    await readsEverySecret(config);
    await cannotOpen(await vaultConfig(dir.path, 'before', 'key_file: ./before-rerun.key'));

    const rerun = await vya(config, ['secrets', 'rekey']);
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(await stat(join(dir.path, 'vault.key.new')).catch(() => undefined)).to.equal(undefined);
    await readsEverySecret(config);
    await cannotOpen(await vaultConfig(dir.path, 'pending', 'key_file: ./pending.key'));
  });

  it('passphrase: the old passphrase fails, the new one (from an env var or a file) reads every secret; never echoed', async () => {
    const config = await vaultConfig(dir.path, 'vya', 'passphrase_env: VAULT_PW');
    await fill(config, { VAULT_PW: 'old-Pass-7x' });
    const missing = await vya(config, ['secrets', 'rekey'], { VAULT_PW: 'old-Pass-7x' });
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/a rekey needs the new one/);
    const result = await vya(config, ['secrets', 'rekey', '--new-passphrase-env', 'NEW_PW'], { VAULT_PW: 'old-Pass-7x', NEW_PW: 'new-Pass-9y' });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/set VAULT_PW to the new passphrase/);
    expectQuiet(result, ['old-Pass-7x', 'new-Pass-9y', ...Object.values(SECRETS)]);
    await cannotOpen(config, { VAULT_PW: 'old-Pass-7x' });
    await readsEverySecret(config, { VAULT_PW: 'new-Pass-9y' });

    await writeFile(join(dir.path, 'pw.txt'), 'third-Pass-3z\n', { mode: 0o600 });
    const fromFile = await vya(config, ['secrets', 'rekey', '--new-passphrase-file', 'pw.txt'], { VAULT_PW: 'new-Pass-9y' });
    expect(fromFile.code, fromFile.stderr).to.equal(0);
    await cannotOpen(config, { VAULT_PW: 'new-Pass-9y' });
    await readsEverySecret(config, { VAULT_PW: 'third-Pass-3z' });
    const same = await vya(config, ['secrets', 'rekey', '--new-passphrase-file', 'pw.txt'], { VAULT_PW: 'third-Pass-3z' });
    expect(same.code).to.equal(2);
    expect(same.stderr).to.match(/the new passphrase is the one in \$VAULT_PW/);
  });

  it('passphrase on a terminal: asked twice, not echoed', async () => {
    const config = await vaultConfig(dir.path, 'vya', 'passphrase_env: VAULT_PW');
    await fill(config, { VAULT_PW: 'old-Pass-7x' });
    const steps = [
      { expect: /new vault passphrase/, send: 'typed passphrase\r' },
      { expect: /the same again/, send: 'typed passphrase\r' },
    ];
    const result = await runVyaOnTerminal(['secrets', 'rekey', '--config', config], steps, { env: { ...baseEnv(), VAULT_PW: 'old-Pass-7x' }, cwd: dir.path });
    expect(result.code, result.screen).to.equal(0);
    expect(result.screen).to.not.include('typed passphrase');
    await readsEverySecret(config, { VAULT_PW: 'typed passphrase' });
  });

  it('passphrase, killed before and after the vault is replaced: it opens with the old, then with the new passphrase', async () => {
    const config = await vaultConfig(dir.path, 'vya', 'passphrase_env: VAULT_PW');
    await fill(config, { VAULT_PW: 'old one' });
    const env = { VAULT_PW: 'old one', NEW_PW: 'new one' };
    const early = await vya(config, ['secrets', 'rekey', '--new-passphrase-env', 'NEW_PW'], { ...env, VYA_TEST_REKEY_PAUSE: 'new-key-ready' }, 'new-key-ready');
    expect(early.code).to.not.equal(0);
    await readsEverySecret(config, { VAULT_PW: 'old one' });
    const late = await vya(config, ['secrets', 'rekey', '--new-passphrase-env', 'NEW_PW'], { ...env, VYA_TEST_REKEY_PAUSE: 'vault-written' }, 'vault-written');
    expect(late.code).to.not.equal(0);
    await readsEverySecret(config, { VAULT_PW: 'new one' });
    await cannotOpen(config, { VAULT_PW: 'old one' });
  });

  it('VYA_VAULT_KEY: the new key goes to --new-key-file (0600); the old key fails, the new one reads every secret', async () => {
    const config = await vaultConfig(dir.path, 'vya', 'key_file: ./unused.key');
    const oldKey = Buffer.alloc(32, 7).toString('base64');
    await fill(config, { VYA_VAULT_KEY: oldKey });
    const without = await vya(config, ['secrets', 'rekey'], { VYA_VAULT_KEY: oldKey });
    expect(without.code).to.equal(2);
    expect(without.stderr).to.match(/pass --new-key-file FILE/);
    const result = await vya(config, ['secrets', 'rekey', '--new-key-file', 'new.key'], { VYA_VAULT_KEY: oldKey });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/set VYA_VAULT_KEY to the contents of new\.key/);
    expect((await stat(join(dir.path, 'new.key'))).mode & 0o777).to.equal(0o600);
    const newKey = (await readFile(join(dir.path, 'new.key'), 'utf8')).trim();
    expectQuiet(result, [oldKey, newKey]);
    await cannotOpen(config, { VYA_VAULT_KEY: oldKey });
    await readsEverySecret(config, { VYA_VAULT_KEY: newKey });
  });

  it('refuses options that do not fit the vault, and leaves it as it was', async () => {
    const config = await vaultConfig(dir.path, 'vya', 'key_file: ./vault.key');
    await fill(config);
    const before = await readFile(join(dir.path, 'vault.enc'), 'utf8');
    const result = await vya(config, ['secrets', 'rekey', '--new-passphrase-env', 'X'], { X: 'something' });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/opened with the key file .*takes no new passphrase/);
    expect(await readFile(join(dir.path, 'vault.enc'), 'utf8')).to.equal(before);
    const env = await vaultConfig(dir.path, 'envstore', 'key_file: ./vault.key');
    await writeFile(env, 'secrets: { store: env, env: { type: env } }\n');
    const notApplicable = await vya(env, ['secrets', 'rekey']);
    expect(notApplicable.code).to.equal(2);
    expect(notApplicable.stderr).to.match(/secret store "env" cannot be rekeyed by vya/);
  });
});
