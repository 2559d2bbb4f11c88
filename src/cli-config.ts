import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core/config';

interface PackageJson {
  dependencies?: Record<string, string>;
  oclif?: { plugins?: string[] };
}

/**
 * oclif's configuration of the CLI whose bin/run.js is `binUrl`, loaded as `execute` would, but quicker: oclif
 * finds its bundled plugins by matching every dependency against every name in
 * `oclif.plugins` with a fresh minimatch (29 × 16 for vya), 24 ms of a one-file backup's
 * ~420 on a slow VM (docs/performance.md). It is handed the package.json with the plugins'
 * dependencies only, which matches the same plugins, and the real list is
 * put back before any command reads it (`vya plugins new`, `vya plugins inspect vya`).
 */
export async function loadCliConfig(binUrl: string): Promise<Config> {
  // bin/run.js is one level below the package's root.
  const root = dirname(dirname(fileURLToPath(binUrl)));
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const config = await Config.load({ root, pjson: { ...pjson, dependencies: pluginDependencies(pjson) } as Config['pjson'] });
  config.pjson.dependencies = pjson.dependencies;
  return config;
}

/** The dependencies `oclif.plugins` names; all of them when it holds a pattern (oclif matches globs). */
export function pluginDependencies(pjson: PackageJson): Record<string, string> | undefined {
  const names = pjson.oclif?.plugins ?? [];
  if (!pjson.dependencies || names.some((name) => /[*?[\]{}!()+@]/.test(name.replace(/^@/, '')))) return pjson.dependencies;
  return Object.fromEntries(Object.entries(pjson.dependencies).filter(([name]) => names.includes(name)));
}
