import type { Registry } from './registry.js';

export interface ListedPlugin {
  name: string;
  version: string;
  /** bundled (ships with vya), installed (`vya plugins install`) or link (`vya plugins link`). */
  origin: string;
  types: { sources: string[]; sinks: string[]; notifiers: string[]; 'secret stores': string[]; 'report templates': string[] };
  /** Why the plugin is not in use (its hook threw, another plugin-API major). */
  error?: string;
}

const ORIGIN: Record<string, string> = { core: 'bundled', user: 'installed', link: 'link' };
const NO_TYPES = { sources: [], sinks: [], notifiers: [], 'secret stores': [], 'report templates': [] };

/** Every plugin that answered `vya:register` or failed to, bundled ones first, then by name. */
export function describePlugins(registry: Registry): ListedPlugin[] {
  const loaded: ListedPlugin[] = registry.plugins.map(({ plugin, types }) => ({
    name: plugin.name,
    version: plugin.version,
    origin: ORIGIN[plugin.kind ?? ''] ?? plugin.kind ?? 'unknown',
    types: { sources: types.sources, sinks: types.sinks, notifiers: types.notifiers, 'secret stores': types.secretStores, 'report templates': types.reportTemplates },
  }));
  const failed: ListedPlugin[] = registry.failures.map((failure) => ({
    name: failure.plugin,
    version: failure.version ?? '?',
    origin: ORIGIN[failure.kind ?? ''] ?? failure.kind ?? 'unknown',
    types: NO_TYPES,
    error: failure.error,
  }));
  const rank = (plugin: ListedPlugin) => (plugin.origin === 'bundled' ? 0 : 1);
  return [...loaded, ...failed].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
