import type { Hook } from '@oclif/core';
import { isVyaError } from '@vya/plugin-api';
import { localPluginSpec } from '../core/plugin-install-spec.js';

/**
 * oclif's `plugins install` takes any argument with a slash for a GitHub repository, so a
 * tarball or directory path would be cloned from github.com. Before it parses its arguments,
 * an existing local path becomes the `file:` spec npm installs from (in place: oclif hands
 * the same argv array to the command).
 */
const hook: Hook<'prerun'> = async function ({ Command, argv }) {
  if (Command.id !== 'plugins:install' && !(Command.aliases ?? []).includes('plugins:install')) return;
  for (const [index, argument] of argv.entries()) {
    try {
      const spec = await localPluginSpec(argument);
      if (spec) argv[index] = spec;
    } catch (error) {
      if (!isVyaError(error)) throw error;
      process.stderr.write(`Error: ${error.message}\n${error.hint ? `Hint: ${error.hint}\n` : ''}`);
      this.exit(error.exitCode);
    }
  }
};

export default hook;
