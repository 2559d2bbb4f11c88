/// <reference types="mocha" />
/**
 * The hooks a suite registers its tests with. Suites take them from the plugin author's own
 * test runner at call time (mocha puts them on globalThis while it loads test files), never
 * from an `import 'mocha'` here, which could bind to another copy of mocha that is not running.
 */
export interface TestRunner {
  describe: Mocha.SuiteFunction;
  it: Mocha.TestFunction;
  beforeEach: Mocha.HookFunction;
  afterEach: Mocha.HookFunction;
}

const HOOKS = ['describe', 'it', 'beforeEach', 'afterEach'] as const;

/** `given` hooks first, then the runner's globals; a clear error when neither has them. */
export function testRunner(suite: string, given: Partial<TestRunner> = {}): TestRunner {
  const globals = globalThis as unknown as Partial<TestRunner>;
  const runner: Partial<TestRunner> = {};
  for (const hook of HOOKS) {
    const found = given[hook] ?? globals[hook];
    if (typeof found !== 'function') {
      throw new Error(`${suite}: no ${hook}() found: call it from a test file run by mocha (which defines describe/it globally), or pass { runner: { describe, it, beforeEach, afterEach } }`);
    }
    Object.assign(runner, { [hook]: found });
  }
  return runner as TestRunner;
}
