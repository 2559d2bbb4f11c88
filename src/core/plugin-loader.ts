import type { Config } from '@oclif/core';
import { REGISTER_HOOK, errorMessage, type PluginContribution } from '@vya/plugin-api';
import { contributionProblem } from './plugin-compat.js';
import { Registry, type PluginAnswer, type PluginFailure } from './registry.js';

/**
 * Asks every installed oclif plugin for its types by firing the `vya:register` hook once.
 * A plugin whose hook throws, answers nonsense or was built for another plugin-API major is
 * reported by name and left out; the others still load.
 */
export async function loadRegistry(oclifConfig: Config): Promise<Registry> {
  const result = await oclifConfig.runHook(REGISTER_HOOK, {});
  const failures: PluginFailure[] = result.failures.map(({ plugin, error }) => ({ plugin: plugin.name, version: plugin.version, kind: plugin.type, error: errorMessage(error) }));
  const answers: PluginAnswer[] = [];
  for (const success of result.successes) {
    if (!success.result) continue;
    const problem = contributionProblem(success.plugin.pjson, success.result);
    if (problem) {
      failures.push({ plugin: success.plugin.name, version: success.plugin.version, kind: success.plugin.type, error: problem });
      continue;
    }
    answers.push({
      plugin: { name: success.plugin.name, version: success.plugin.version, kind: success.plugin.type },
      contribution: success.result as PluginContribution,
    });
  }
  return new Registry(answers, failures);
}
