import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { VyaError } from '@vya/plugin-api';

/** Paths a user means as a path, not a package name: ./x, ../x, /x, ~/x, x.tgz, x.tar.gz. */
function looksLikePath(argument: string): boolean {
  return /^(\.{1,2}[\\/]|[\\/]|~[\\/])/.test(argument) || /\.(tgz|tar\.gz)$/.test(argument);
}

/**
 * The `file:` spec for an argument of `vya plugins install` that names a local tarball or
 * package directory; undefined for flags, registry names and URLs. A path that does not exist
 * is an error here rather than a 70-second attempt to clone it from GitHub.
 */
export async function localPluginSpec(argument: string): Promise<string | undefined> {
  if (argument.startsWith('-') || !looksLikePath(argument)) return undefined;
  const path = resolve(argument.startsWith('~') ? homedir() + argument.slice(1) : argument);
  const found = await stat(path).catch(() => undefined);
  if (!found) {
    throw new VyaError(`no such plugin file or directory: ${argument}`, {
      code: 'PLUGIN_PATH_MISSING',
      exitCode: 2,
      hint: 'give the path of a tarball made with `npm pack`, or of a plugin package directory',
    });
  }
  if (!found.isFile() && !found.isDirectory()) throw new VyaError(`not a file or directory: ${argument}`, { code: 'PLUGIN_PATH_MISSING', exitCode: 2 });
  return `file:${path}`;
}
