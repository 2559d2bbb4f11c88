import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { BackupUnit, CheckItem, RestoreOptions, Source } from '@vya/plugin-api';
import { testRunner, type TestRunner } from './runner.js';
import { readAll } from './streams.js';

export interface SourceSuiteOptions {
  /** The runner's describe/it/beforeEach/afterEach (default: the globals mocha defines). */
  runner?: Partial<TestRunner>;
  /** describe() title. */
  name: string;
  /** A source over test data holding at least one unit. */
  create(): Promise<Source>;
  /**
   * Whether the test target is reachable and set up completely, so that every check item must
   * say ok (default false: only their shape is checked).
   */
  checkOk?: boolean;
  cleanup?(source: Source): Promise<void>;
  /**
   * Options for restoring each unit back: `{ target: dir }` for a directory source,
   * `{ database: name }` for a database server (restore under another name, beside the
   * original). `verify` then checks the restored data. Required: restore is part of every
   * source's contract, so the round trip is never left out.
   */
  restore: { options(unit: BackupUnit): Promise<RestoreOptions>; verify?(unit: BackupUnit, options: RestoreOptions): Promise<void> };
}

/** Well-formed items; with `allOk`, each of them ok (the failing one named in the error). */
export function assertCheckItems(items: CheckItem[], allOk = false): void {
  expect(items).to.be.an('array');
  for (const item of items) {
    expect(item.name, 'CheckItem.name').to.be.a('string').and.not.equal('');
    expect(item.ok, 'CheckItem.ok').to.be.a('boolean');
    expect(item.detail, 'CheckItem.detail').to.be.a('string');
    if (allOk) expect(item.ok, `check item ${item.name}: ${item.detail}`).to.equal(true);
  }
}

/** The behaviour every Source must have, as one block in the author's runner. */
export function runSourceSuite(options: SourceSuiteOptions): void {
  const { describe, it, beforeEach, afterEach } = testRunner('runSourceSuite', options.runner);
  describe(`source conformance: ${options.name}`, function (this: Mocha.Suite) {
    this.timeout(120_000);
    let source: Source;
    beforeEach(async () => {
      source = await options.create();
    });
    afterEach(async () => {
      await options.cleanup?.(source);
      await source.close?.();
    });

    it(`check() resolves a list of check items${options.checkOk ? ', all ok' : ''} and does not throw`, async () => {
      assertCheckItems(await source.check(), options.checkOk);
    });

    it('discover() names each unit once, with a kind', async () => {
      const units = await source.discover();
      expect(units.length, 'units discovered').to.be.above(0);
      for (const unit of units) {
        expect(unit.name).to.be.a('string').and.not.equal('');
        expect(unit.kind).to.be.a('string').and.not.equal('');
      }
      expect(new Set(units.map((unit) => unit.name)).size).to.equal(units.length);
    });

    it('backup() streams each unit to its end and completes with metadata', async () => {
      for (const unit of await source.discover()) {
        const stream = await source.backup(unit, new AbortController().signal);
        expect(stream.format).to.be.a('string').and.match(/^[a-z0-9.-]+$/);
        await readAll(stream.data);
        expect(await stream.completed).to.be.an('object');
      }
    });

    it('restore() takes back what backup() produced', async () => {
      for (const unit of await source.discover()) {
        const stream = await source.backup(unit, new AbortController().signal);
        const bytes = await readAll(stream.data);
        const metadata = await stream.completed;
        const restoreOptions = await options.restore.options(unit);
        // As the core does: the plan comes first, before any data is read.
        if (source.planRestore) expect((await source.planRestore(unit, restoreOptions, new AbortController().signal)).waitsForCleanEnd).to.be.a('boolean');
        const result = await source.restore({ unit, data: Readable.from([bytes]), metadata, options: restoreOptions }, new AbortController().signal);
        expect(result.summary).to.be.a('string').and.not.equal('');
        await options.restore.verify?.(unit, restoreOptions);
      }
    });
  });
}
