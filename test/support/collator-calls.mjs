// Loaded into a process under test with NODE_OPTIONS="--import <this file>": on exit, writes
// where the process compared strings by locale (String.prototype.localeCompare, Intl.Collator),
// one call site per line, to $VYA_TEST_COLLATOR_CALLS_FILE. The first collator of a process
// makes ICU list its locales, which start-up should not pay for.
import { writeFileSync } from 'node:fs';

const file = process.env.VYA_TEST_COLLATOR_CALLS_FILE;
if (file) {
  const calls = [];
  const callSite = () => new Error().stack.split('\n')[3]?.trim() ?? 'unknown';
  const localeCompare = String.prototype.localeCompare;
  String.prototype.localeCompare = function (...args) {
    calls.push(`localeCompare ${callSite()}`);
    return localeCompare.apply(this, args);
  };
  const Collator = Intl.Collator;
  Intl.Collator = new Proxy(Collator, {
    construct(target, args) {
      calls.push(`new Intl.Collator ${callSite()}`);
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      calls.push(`Intl.Collator ${callSite()}`);
      return Reflect.apply(target, self, args);
    },
  });
  process.on('exit', () => writeFileSync(file, calls.map((call) => `${call}\n`).join('')));
}
