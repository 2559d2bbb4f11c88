import { expect } from 'chai';
import { runNotifierSuite, runSinkSuite, runSourceSuite, sampleRunEvent, type TestRunner } from '../src/index.js';

/** A runner that only records what a suite registers. */
function recordingRunner(): { runner: TestRunner; titles: string[] } {
  const titles: string[] = [];
  const suite = { timeout: () => undefined };
  const runner = {
    describe: (title: string, body: (this: unknown) => void) => {
      titles.push(title);
      body.call(suite);
    },
    it: (title: string) => titles.push(title),
    beforeEach: () => undefined,
    afterEach: () => undefined,
  } as unknown as TestRunner;
  return { runner, titles };
}

describe('@vya/testing: suites register with the runner they are given or find at call time', () => {
  it('uses the describe/it passed in, not an import of mocha', () => {
    const { runner, titles } = recordingRunner();
    runSinkSuite({ name: 'recorded', runner, create: () => Promise.reject(new Error('not run')) });
    expect(titles[0]).to.equal('sink conformance: recorded');
    expect(titles).to.include('round-trips an object byte for byte and reports its size');
  });

  it('without a runner and without mocha globals, fails with a line saying what to do', () => {
    const globals = globalThis as Record<string, unknown>;
    const saved = globals.describe;
    delete globals.describe;
    try {
      expect(() => runNotifierSuite({ name: 'n', create: () => Promise.reject(new Error('not run')), delivered: async () => [] })).to.throw(
        /runNotifierSuite: no describe\(\) found: call it from a test file run by mocha .* or pass \{ runner: \{ describe, it, beforeEach, afterEach \} \}/,
      );
    } finally {
      globals.describe = saved;
    }
  });

  it('registers a test for each declared method and none that would be left pending', () => {
    const notCreated = () => Promise.reject(new Error('not run'));
    const withCheck = recordingRunner();
    runNotifierSuite({ name: 'n', runner: withCheck.runner, create: notCreated, delivered: async () => [] });
    expect(withCheck.titles).to.include('check() resolves a list of check items');
    const withoutCheck = recordingRunner();
    runNotifierSuite({ name: 'n', runner: withoutCheck.runner, create: notCreated, delivered: async () => [], check: false });
    expect(withoutCheck.titles).to.include('declares it has no check(): check is absent').and.not.include('check() resolves a list of check items');
    const source = recordingRunner();
    runSourceSuite({ name: 's', runner: source.runner, create: notCreated, restore: { options: async () => ({}) } });
    expect(source.titles).to.include('restore() takes back what backup() produced');
  });

  it('sampleRunEvent builds consistent totals for each outcome', () => {
    expect(sampleRunEvent('failed').run.totals).to.include({ units: 1, failed: 1, succeeded: 0 });
    expect(sampleRunEvent().run.units[0].status).to.equal('succeeded');
  });
});
