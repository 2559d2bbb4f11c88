import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfigPath, silentLogger, type PluginContext } from '@vya/plugin-api';

/**
 * A PluginContext for a plugin's own tests: paths resolve against `dir` (default: the system
 * temp directory), nothing is logged, and `privateTempDir` makes a real temporary directory.
 */
export function testPluginContext(name: string, dir = tmpdir()): PluginContext {
  return {
    name,
    logger: silentLogger,
    configDir: dir,
    resolvePath: (path: string) => resolveConfigPath(dir, path),
    stateDir: dir,
    addSecret: () => {},
    async privateTempDir(purpose: string) {
      const path = await mkdtemp(join(tmpdir(), `vya-test-${purpose}-`));
      return { path, remove: () => rm(path, { recursive: true, force: true }) };
    },
  };
}
