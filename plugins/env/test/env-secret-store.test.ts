import { expect } from 'chai';
import { EnvSecretStore } from '../src/env-secret-store.js';

describe('EnvSecretStore', () => {
  const env = {
    VYA_SECRET_PG_MAIN_PASSWORD: 's3cr3t ü',
    VYA_SECRET_PG_MAIN_USERNAME: 'backup',
    VYA_SECRET_GCP_JSON: '{"type":"service_account"}',
    OTHER: 'x',
  };

  it('resolves username, password and free fields by name', async () => {
    const seen: string[] = [];
    const store = new EnvSecretStore('VYA_SECRET_', env, (value) => seen.push(value));
    const record = await store.get('pg-main');
    expect(record).to.deep.include({ name: 'pg-main', username: 'backup', password: 's3cr3t ü' });
    expect((await store.get('gcp'))?.fields).to.deep.equal({ json: '{"type":"service_account"}' });
    expect(seen).to.include('s3cr3t ü');
  });

  it('answers undefined for an unknown name and lists without values', async () => {
    const store = new EnvSecretStore('VYA_SECRET_', env);
    expect(await store.get('nope')).to.equal(undefined);
    const list = await store.list();
    expect(list.map((s) => s.name)).to.deep.equal(['gcp', 'pg-main']);
    expect(JSON.stringify(list)).to.not.include('s3cr3t');
  });

  it('is read-only', async () => {
    const store = new EnvSecretStore('VYA_SECRET_', env);
    const error = await store.set().then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.match(/read-only/);
  });
});
