import type { Config } from '@oclif/core';
import { REGISTER_HOOK, errorMessage, type PluginContribution } from '@vya/plugin-api';
import { Registry, type PluginAnswer } from './registry.js';

/**
 * Asks every installed oclif plugin for its types by firing the `vya:register` hook once.
 * A plugin whose hook throws is reported by name and left out; the others still load.
 */
export async function loadRegistry(oclifConfig: Config): Promise<Registry> {
  const result = await oclifConfig.runHook(REGISTER_HOOK, {});
  const answers: PluginAnswer[] = result.successes
    .filter((success) => success.result)
    .map((success) => ({
      plugin: { name: success.plugin.name, version: success.plugin.version },
      contribution: success.result as PluginContribution,
    }));
  const failures = result.failures.map((failure) => ({ plugin: failure.plugin.name, error: errorMessage(failure.error) }));
  return new Registry(answers, failures);
}
