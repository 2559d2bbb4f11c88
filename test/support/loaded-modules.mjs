// Loaded into a process under test with NODE_OPTIONS="--import <this file>": on exit, writes
// the URL of every module the process loaded (ES modules and require()d files alike), one per
// line, to $VYA_TEST_LOADED_MODULES_FILE.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

const file = process.env.VYA_TEST_LOADED_MODULES_FILE;
if (file) {
  const loaded = [];
  registerHooks({
    load(url, context, nextLoad) {
      loaded.push(url);
      return nextLoad(url, context);
    },
  });
  process.on('exit', () => writeFileSync(file, loaded.join('\n') + '\n'));
}
