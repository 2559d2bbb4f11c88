// Mocha's spec reporter, plus one closing line with the totals, so that the last line of
// `npm test` states them even when failure details are printed after mocha's own summary.
'use strict';
const Mocha = require('mocha');

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      process.stdout.write(`\n${passes} passed, ${failures} failed, ${pending} skipped\n`);
    });
  }
}

module.exports = TotalsReporter;
