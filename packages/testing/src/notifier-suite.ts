import { expect } from 'chai';
import type { Notifier, RunEvent, RunOutcome } from '@vya/plugin-api';
import { assertCheckItems } from './source-suite.js';
import { testRunner, type TestRunner } from './runner.js';

export interface NotifierSuiteOptions {
  /** The runner's describe/it/beforeEach/afterEach (default: the globals mocha defines). */
  runner?: Partial<TestRunner>;
  /** describe() title. */
  name: string;
  create(): Promise<Notifier>;
  /**
   * Whether the test target is reachable and set up completely, so that every check item must
   * say ok (default false: only their shape is checked).
   */
  checkOk?: boolean;
  cleanup?(notifier: Notifier): Promise<void>;
  /** What has arrived at the receiving end so far (messages, requests, lines), to count deliveries. */
  delivered(): Promise<unknown[]>;
  /**
   * Whether the notifier offers the optional check() (default true). A notifier without one
   * says false, and the suite checks that the method is really absent.
   */
  check?: boolean;
}

/** A realistic event of one job run with one unit, for notifier tests. */
export function sampleRunEvent(outcome: RunOutcome = 'succeeded'): RunEvent {
  const status = outcome === 'succeeded' ? 'succeeded' : 'failed';
  const startedAt = '2026-01-02T03:04:05.000Z';
  const finishedAt = '2026-01-02T03:04:07.500Z';
  return {
    outcome,
    log: ['backup nightly: 1 unit'],
    run: {
      runId: 'run-0001',
      job: 'nightly',
      host: 'host-1',
      outcome,
      startedAt,
      finishedAt,
      durationMs: 2500,
      units: [{ job: 'nightly', source: 'db', sink: 'store', unit: 'app', status, startedAt, finishedAt, durationMs: 2500, rawBytes: 1000, storedBytes: 400, ...(status === 'failed' ? { error: 'connection refused' } : { snapshotId: 'snap-1' }) }],
      totals: { units: 1, succeeded: status === 'succeeded' ? 1 : 0, failed: status === 'failed' ? 1 : 0, rawBytes: 1000, storedBytes: 400 },
    },
  };
}

/** The behaviour every Notifier must have, as one block in the author's runner. */
export function runNotifierSuite(options: NotifierSuiteOptions): void {
  const { describe, it, beforeEach, afterEach } = testRunner('runNotifierSuite', options.runner);
  describe(`notifier conformance: ${options.name}`, function (this: Mocha.Suite) {
    this.timeout(60_000);
    let notifier: Notifier;
    beforeEach(async () => {
      notifier = await options.create();
    });
    afterEach(async () => {
      await options.cleanup?.(notifier);
      await notifier.close?.();
    });

    for (const outcome of ['succeeded', 'failed', 'partial'] as const) {
      it(`delivers one notification for a ${outcome} run`, async () => {
        const before = (await options.delivered()).length;
        await notifier.notify(sampleRunEvent(outcome));
        expect((await options.delivered()).length).to.equal(before + 1);
      });
    }

    if (options.check === false) {
      it('declares it has no check(): check is absent', () => {
        expect(notifier.check).to.equal(undefined);
      });
    } else {
      it(`check() resolves a list of check items${options.checkOk ? ', all ok' : ''}`, async () => {
        expect(notifier.check, 'this notifier has no check() (pass check: false if it offers none)').to.be.a('function');
        assertCheckItems(await notifier.check!(), options.checkOk);
      });
    }
  });
}
