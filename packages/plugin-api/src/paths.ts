import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';

/**
 * A path from a config file as the user means it: `~` and `~/…` in their home directory,
 * relative paths relative to the config file's directory (`configDir`), absolute ones as is.
 * What `PluginContext.resolvePath` does; exported for tests that build a context by hand.
 */
export function resolveConfigPath(configDir: string, path: string): string {
  const expanded = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
  return isAbsolute(expanded) ? expanded : resolve(configDir, expanded);
}
