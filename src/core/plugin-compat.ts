import { apiMajor, apiVersion, type PluginContribution } from '@vya/plugin-api';

const KINDS = ['sources', 'sinks', 'notifiers', 'secretStores', 'reportTemplates'] as const;

interface PluginManifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * Why a plugin's `vya:register` answer cannot be used (one line), or undefined when it can:
 * it must be an object of type lists, and the plugin-API major it was built for (declared in
 * its package.json as the @vya/plugin-api range, or stamped by `definePlugin`) must be ours.
 */
export function contributionProblem(manifest: PluginManifest, answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return 'its vya:register hook did not return a contribution object (use definePlugin)';
  const contribution = answer as PluginContribution & Record<string, unknown>;
  const wrong = KINDS.find((kind) => contribution[kind] !== undefined && !Array.isArray(contribution[kind]));
  if (wrong) return `its contribution's "${wrong}" is not a list`;
  return apiVersionProblem(manifest, contribution.apiVersion);
}

function apiVersionProblem(manifest: PluginManifest, stamped: string | undefined): string | undefined {
  const ours = apiMajor(apiVersion);
  const range = manifest.peerDependencies?.['@vya/plugin-api'] ?? manifest.dependencies?.['@vya/plugin-api'];
  for (const declared of [range, stamped]) {
    if (typeof declared !== 'string') continue;
    const major = apiMajor(declared);
    if (major !== undefined && major !== ours) {
      return `built for plugin API ${major} (@vya/plugin-api ${declared}), but this vya provides plugin API ${ours} (${apiVersion}); install a release of the plugin built for @vya/plugin-api ^${ours}.0.0`;
    }
  }
  return undefined;
}
