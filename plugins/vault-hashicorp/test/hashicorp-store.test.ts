import { expect } from 'chai';
import { type SecretStore } from '@vya/plugin-api';
import { runSecretStoreSuite, testPluginContext } from '@vya/testing';
import { hashicorpVaultDefinition } from '../src/register.js';
import { FakeVault } from './fake-vault-server.js';

const vault = new FakeVault('team-a');
let prefixCounter = 0;
const context = testPluginContext('vault', '/tmp');

async function store(config: Record<string, unknown>): Promise<SecretStore> {
  return (await hashicorpVaultDefinition.create({ address: vault.address, namespace: 'team-a', ...config }, context)) as SecretStore;
}

describe('HashiCorp Vault store (against a local server implementing the Vault API)', function () {
  this.timeout(60_000);
  before(async () => {
    await vault.start();
    const { writeFileSync } = await import('node:fs');
    writeFileSync('/tmp/vya-fake-vault-ca.pem', vault.ca);
  });
  after(async () => vault.stop());

  const withCa = (config: Record<string, unknown>) => ({ ca_cert: '/tmp/vya-fake-vault-ca.pem', ...config });

  runSecretStoreSuite({
    name: 'vault-hashicorp (token)',
    create: async () => store(withCa({ token: vault.rootToken, path_prefix: `suite${++prefixCounter}/` })),
  });

  it('logs in with AppRole, sends X-Vault-Token and X-Vault-Namespace, and reads what it wrote', async () => {
    const s = await store(withCa({ auth: { method: 'approle', role_id: vault.roleId, secret_id: vault.secretId }, path_prefix: 'approle/' }));
    await s.set({ name: 'pg-main', username: 'backup', password: 'pw', fields: { json: '{}' } });
    expect((await s.get('pg-main'))?.password).to.equal('pw');
    expect(vault.calls).to.include('POST /v1/auth/approle/login');
    expect(vault.calls).to.include('POST /v1/secret/data/approle/pg-main');
    expect(await s.info?.()).to.deep.include({ auth: 'approle', renewable: true, policies: 'default,vya' });
  });

  it('renews a renewable token past two thirds of its lease, and logs in again after a revocation', async () => {
    vault.approleTtlSeconds = 1;
    const s = await store(withCa({ auth: { method: 'approle', role_id: vault.roleId, secret_id: vault.secretId }, path_prefix: 'renew/' }));
    await s.set({ name: 'a', password: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 800));
    const before = vault.calls.filter((c) => c === 'POST /v1/auth/token/renew-self').length;
    expect((await s.get('a'))?.password).to.equal('b');
    expect(vault.calls.filter((c) => c === 'POST /v1/auth/token/renew-self').length).to.be.greaterThan(before);
    vault.approleTtlSeconds = 3600;
    vault.revokeAll();
    const logins = vault.calls.filter((c) => c === 'POST /v1/auth/approle/login').length;
    expect((await s.get('a'))?.password).to.equal('b');
    expect(vault.calls.filter((c) => c === 'POST /v1/auth/approle/login').length).to.equal(logins + 1);
  });

  it('reports Vault errors clearly: bad AppRole, denied write, wrong namespace, untrusted certificate, read-only store', async () => {
    const badLogin = await store(withCa({ auth: { method: 'approle', role_id: vault.roleId, secret_id: 'nope' } }));
    expect((await badLogin.list().then(() => undefined, (e: unknown) => e) as Error).message).to.equal('Vault AppRole login failed: invalid role or secret ID');
    const reader = await store(withCa({ token: vault.readOnlyToken() }));
    const denied = await reader.set({ name: 'x', password: 'y' }).then(() => undefined, (e: unknown) => e);
    expect((denied as Error).message).to.match(/^Vault denied write x: .*permission denied/);
    const elsewhere = await store(withCa({ token: vault.rootToken, namespace: 'team-b' }));
    expect((await elsewhere.set({ name: 'x', password: 'y' }).then(() => undefined, (e: unknown) => e) as Error).message).to.match(/no handler for route/);
    const untrusted = await hashicorpVaultDefinition.create({ address: vault.address, token: vault.rootToken }, context);
    const tls = await untrusted.list().then(() => undefined, (e: unknown) => e);
    expect((tls as Error).message).to.match(/cannot reach Vault at https:\/\/127\.0\.0\.1:\d+: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/);
    const readOnly = await store(withCa({ token: vault.rootToken, read_only: true }));
    expect((await readOnly.delete('x').then(() => undefined, (e: unknown) => e) as Error).message).to.match(/read-only/);
  });
});
