import { expect } from 'chai';
import { testRunner, type TestRunner } from './runner.js';
import type { SecretStore } from '@vya/plugin-api';

export interface SecretStoreSuiteOptions {
  /** The runner's describe/it/beforeEach/afterEach (default: the globals mocha defines). */
  runner?: Partial<TestRunner>;
  name: string;
  /** A fresh, empty, writable store for each test. */
  create(): Promise<SecretStore>;
  /** A second instance over the same storage, to prove persistence (omit for in-memory stores). */
  reopen?(store: SecretStore): Promise<SecretStore>;
  cleanup?(store: SecretStore): Promise<void>;
}

/** The behaviour every writable SecretStore must have, as one mocha block. */
export function runSecretStoreSuite(options: SecretStoreSuiteOptions): void {
  const { describe, it, beforeEach, afterEach } = testRunner('runSecretStoreSuite', options.runner);
  describe(`secret store conformance: ${options.name}`, function (this: Mocha.Suite) {
    this.timeout(60_000);
    let store: SecretStore;
    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      await options.cleanup?.(store);
      await store.close?.();
    });

    it('sets and gets a record with username, password, free fields and description', async () => {
      await store.set({ name: 'pg-main', username: 'backup', password: 's3cr3t', fields: { json: '{"a":1}' }, metadata: { description: 'main database' } });
      const record = await store.get('pg-main');
      expect(record).to.deep.include({ name: 'pg-main', username: 'backup', password: 's3cr3t' });
      expect(record?.fields).to.deep.equal({ json: '{"a":1}' });
      expect(record?.metadata?.description).to.equal('main database');
    });

    it('answers undefined for an unknown name', async () => {
      expect(await store.get('never-set')).to.equal(undefined);
    });

    it('keeps created_at and moves updated_at on update', async () => {
      await store.set({ name: 'x', username: 'a', password: 'one' });
      const first = await store.get('x');
      await new Promise((resolve) => setTimeout(resolve, 15));
      await store.set({ name: 'x', username: 'a', password: 'two' });
      const second = await store.get('x');
      expect(second?.password).to.equal('two');
      expect(second?.metadata?.created_at).to.equal(first?.metadata?.created_at);
      expect(Date.parse(second?.metadata?.updated_at ?? '')).to.be.greaterThan(Date.parse(first?.metadata?.updated_at ?? ''));
    });

    it('lists names without ever returning passwords or field values', async () => {
      await store.set({ name: 'b', username: 'ub', password: 'pass-b', fields: { token: 'tok-b' } });
      await store.set({ name: 'a', username: 'ua', password: 'pass-a' });
      const list = await store.list();
      expect(list.map((s) => s.name)).to.deep.equal(['a', 'b']);
      expect(JSON.stringify(list)).to.not.match(/pass-|tok-b/);
    });

    it('deletes, answering whether something was removed', async () => {
      await store.set({ name: 'gone', password: 'p' });
      expect(await store.delete('gone')).to.equal(true);
      expect(await store.get('gone')).to.equal(undefined);
      expect(await store.delete('gone')).to.equal(false);
    });

    it('keeps unicode, quotes and newlines intact', async () => {
      const password = 'pässwörd "quoted" \\ back\nslash ☕🚀 \u0000nul';
      await store.set({ name: 'smtp-mail.example.org', username: 'ünïcode', password });
      expect((await store.get('smtp-mail.example.org'))?.password).to.equal(password);
    });

    it('holds many records', async () => {
      for (let i = 0; i < 50; i++) await store.set({ name: `mysql-${i}`, username: `u${i}`, password: `p${i}` });
      expect((await store.list()).length).to.equal(50);
      expect((await store.get('mysql-37'))?.password).to.equal('p37');
    });

    if (options.reopen) {
      it('persists: a second instance over the same storage sees the records', async () => {
        await store.set({ name: 'kept', username: 'u', password: 'persisted' });
        const again = await options.reopen!(store);
        expect((await again.get('kept'))?.password).to.equal('persisted');
      });
    }
  });
}
