import { registerHooks } from 'node:module';

/**
 * A plugin installed with `vya plugins install` may declare @vya/plugin-api as a peer
 * dependency instead of carrying its own copy (the scaffold does: one copy, no registry
 * access at install). npm then installs nothing for it, and Node would not find the package
 * from the plugin's directory; this lets such an import fall back to the CLI's own copy.
 * A plugin that does carry a copy keeps using it: only a failed resolution is redirected.
 */
const PROVIDED = new Set(['@vya/plugin-api']);
const ownCopy = import.meta.resolve('@vya/plugin-api');

export function providePluginApi(): void {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if (!PROVIDED.has(specifier) || (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
        return { url: ownCopy, format: 'module', shortCircuit: true };
      }
    },
  });
}
