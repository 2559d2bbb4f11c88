import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runSecretStoreSuite } from '@vya/testing';
import { fernetDecrypt, fernetEncrypt, fernetKey } from '../src/fernet.js';
import { LegacyVault } from '../src/legacy-vault.js';
import { VaultFileStore } from '../src/vault-file-store.js';
import { createKeyFile } from '../src/vault-key.js';
import { pythonWithCryptography } from '../../../test/support/python.js';

const makeLegacyVault = fileURLToPath(new URL('./make-legacy-vault.py', import.meta.url));
const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vya-vault-'));
  dirs.push(dir);
  return dir;
}
after(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function keyFileStore(dir: string): Promise<VaultFileStore> {
  const store = new VaultFileStore(join(dir, 'vault.enc'), { kind: 'file', path: join(dir, 'vault.key') }, { allowInsecure: false, onSecret: () => {} });
  await store.initialize();
  return store;
}

runSecretStoreSuite({
  name: 'vault-file (key file)',
  create: async () => keyFileStore(await freshDir()),
  reopen: async (store) => new VaultFileStore((store as VaultFileStore).path, { kind: 'file', path: `${(store as VaultFileStore).path.replace(/vault\.enc$/, 'vault.key')}` }, { allowInsecure: false, onSecret: () => {} }),
});

describe('vault-file specifics', function () {
  this.timeout(60_000);

  it('writes the vault and the key file with mode 0600 and no secret in clear', async () => {
    const dir = await freshDir();
    const store = await keyFileStore(dir);
    await store.set({ name: 'pg', username: 'backup', password: 'visible-if-broken' });
    const { statSync } = await import('node:fs');
    expect(statSync(join(dir, 'vault.enc')).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dir, 'vault.key')).mode & 0o777).to.equal(0o600);
    expect(await readFile(join(dir, 'vault.enc'), 'utf8')).to.not.include('visible-if-broken');
  });

  it('opens with a passphrase through scrypt, and a wrong passphrase fails clearly leaving the vault untouched', async () => {
    const dir = await freshDir();
    process.env.VYA_TEST_VAULT_PASS = 'correct horse battery staple';
    const store = new VaultFileStore(join(dir, 'v.enc'), { kind: 'passphrase', variable: 'VYA_TEST_VAULT_PASS' }, { allowInsecure: false, onSecret: () => {} });
    await store.set({ name: 'x', password: 'p' });
    const before = await readFile(join(dir, 'v.enc'), 'utf8');
    expect(JSON.parse(before).kdf.type).to.equal('scrypt');
    process.env.VYA_TEST_VAULT_PASS = 'wrong';
    const error = await store.set({ name: 'y', password: 'q' }).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/cannot open vault .*: wrong key or passphrase, or the file is corrupted/);
    expect(await readFile(join(dir, 'v.enc'), 'utf8')).to.equal(before);
    delete process.env.VYA_TEST_VAULT_PASS;
  });

  it('a wrong key file fails clearly', async () => {
    const dir = await freshDir();
    await (await keyFileStore(dir)).set({ name: 'a', password: 'b' });
    const other = join(dir, 'other.key');
    await createKeyFile(other);
    const wrong = new VaultFileStore(join(dir, 'vault.enc'), { kind: 'file', path: other }, { allowInsecure: false, onSecret: () => {} });
    const error = await wrong.get('a').then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/wrong key or passphrase/);
  });

  it('refuses a vault readable by others unless told', async () => {
    const dir = await freshDir();
    const store = await keyFileStore(dir);
    await chmod(join(dir, 'vault.enc'), 0o644);
    const error = await store.list().then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/vault .* is readable by others \(mode 644\)/);
    const lenient = new VaultFileStore(join(dir, 'vault.enc'), { kind: 'file', path: join(dir, 'vault.key') }, { allowInsecure: true, onSecret: () => {} });
    expect(await lenient.list()).to.deep.equal([]);
  });

  it('reports a corrupted vault file without changing it', async () => {
    const dir = await freshDir();
    const store = await keyFileStore(dir);
    await writeFile(join(dir, 'vault.enc'), '{ this is not a vault', { mode: 0o600 });
    const error = await store.get('x').then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/is corrupted \(not a vya vault file\)/);
    expect(await readFile(join(dir, 'vault.enc'), 'utf8')).to.equal('{ this is not a vault');
  });

  it('a tampered ciphertext fails authentication', async () => {
    const dir = await freshDir();
    const store = await keyFileStore(dir);
    await store.set({ name: 'a', password: 'b' });
    const envelope = JSON.parse(await readFile(join(dir, 'vault.enc'), 'utf8'));
    const bytes = Buffer.from(envelope.ciphertext, 'base64');
    bytes[3] ^= 1;
    envelope.ciphertext = bytes.toString('base64');
    await writeFile(join(dir, 'vault.enc'), JSON.stringify(envelope), { mode: 0o600 });
    expect((await store.get('a').then(() => undefined, (e: unknown) => e) as Error).message).to.match(/wrong key or passphrase, or the file is corrupted/);
  });
});

describe('Fernet', () => {
  // The reference vector of the Fernet spec (generate.json / verify.json).
  const secret = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
  const token = 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
  const iv = Buffer.from(Array.from({ length: 16 }, (_, i) => i));

  it('generates the spec token from its secret, IV and time', () => {
    expect(fernetEncrypt(Buffer.from('hello'), fernetKey(secret), { iv, time: new Date('1985-10-26T01:20:00-07:00') })).to.equal(token);
  });

  it('verifies the spec token', () => {
    expect(fernetDecrypt(token, fernetKey(secret)).toString()).to.equal('hello');
  });

  it('rejects invalid tokens: altered signature, truncated, bad base64, wrong version, wrong key', () => {
    const key = fernetKey(secret);
    const bytes = Buffer.from(token, 'base64url');
    const alter = (fn: (b: Buffer) => Buffer) => fn(Buffer.from(bytes)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    expect(() => fernetDecrypt(alter((b) => ((b[b.length - 1] ^= 1), b)), key)).to.throw(/bad signature/);
    expect(() => fernetDecrypt(alter((b) => b.subarray(0, 40)), key)).to.throw(/wrong length/);
    expect(() => fernetDecrypt('%%%not base64%%%', key)).to.throw(/not base64url/);
    expect(() => fernetDecrypt(alter((b) => ((b[0] = 0x81), b)), key)).to.throw(/unknown version/);
    expect(() => fernetDecrypt(token, Buffer.alloc(32, 7))).to.throw(/bad signature/);
  });
});

describe('legacy vault (tokens made by Python cryptography)', function () {
  this.timeout(60_000);
  const credentials = {
    'mysql-1': { username: 'app', password: 'example', description: 'MySQL production' },
    'postgresql-2': { username: 'backup', password: 'pässwörd ☕ "quoted" \\', description: 'PostgreSQL' },
    'smtp-mail.example.org': { username: 'mailer@example.org', password: 'smtp-secret', description: '' },
  };

  async function legacyVaultFile(hostname: string): Promise<string> {
    const path = join(await freshDir(), 'vault.json.enc');
    execFileSync(pythonWithCryptography(), [makeLegacyVault, path, hostname], { input: JSON.stringify(credentials) });
    return path;
  }

  it('lists and reads every credential, including non-ASCII passwords, with their metadata', async () => {
    const vault = new LegacyVault(await legacyVaultFile('db-host-01'), 'db-host-01');
    expect((await vault.list()).map((s) => s.name).sort()).to.deep.equal(Object.keys(credentials).sort());
    for (const [name, expected] of Object.entries(credentials)) {
      const record = await vault.get(name);
      expect(record).to.deep.include({ username: expected.username, password: expected.password });
      expect(record?.metadata).to.deep.include({ created_at: '2024-05-01T10:00:00', description: expected.description });
    }
  });

  it('a wrong hostname is one clear error with a hint', async () => {
    const vault = new LegacyVault(await legacyVaultFile('db-host-01'), 'other-host');
    const error = await vault.list().then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/cannot open legacy vault .* with hostname "other-host": invalid Fernet token: bad signature/);
  });

  it('is read-only', async () => {
    const vault = new LegacyVault(await legacyVaultFile('h'), 'h');
    expect((await vault.set().then(() => undefined, (e: unknown) => e) as Error).message).to.match(/read-only/);
  });
});
