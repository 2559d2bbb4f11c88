import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

export interface OclifBundle {
  /** URL of the directory of the @oclif/core package that vya resolves, with a trailing slash. */
  coreRoot: string;
  /** URL of dist/oclif, with a trailing slash. */
  bundleDir: string;
  /** The bundle's entries: `index` for `@oclif/core`, `ux` for `@oclif/core/ux`, ... */
  entries: ReadonlySet<string>;
}

const BUNDLE_DIR = new URL('./oclif/', import.meta.url).href;

/**
 * Loads oclif from dist/oclif (scripts/bundle-oclif.mjs) instead of as ~140 CommonJS files:
 * 20-30 ms less of every start-up on a slow VM (docs/performance.md, tenth round). Any import
 * that Node resolves to vya's own copy of @oclif/core, from vya, oclif's plugins or an
 * installed plugin, gets the bundle instead, so the process still holds one oclif. A plugin
 * that carries another copy keeps it. Nothing is redirected when the bundle is missing or was
 * built from another version than the one installed (after an `npm install` without a build).
 */
export function useBundledOclif(): boolean {
  const bundle = readOclifBundle(BUNDLE_DIR, import.meta.resolve('@oclif/core/package.json'));
  if (!bundle) return false;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const url = bundledUrl(bundle, specifier, resolved.url);
      return url ? { url, format: 'module', shortCircuit: true } : resolved;
    },
  });
  return true;
}

/** The bundle in `bundleDir` when it was built from the @oclif/core whose package.json is at `corePackageUrl`. */
export function readOclifBundle(bundleDir: string, corePackageUrl: string): OclifBundle | undefined {
  try {
    const installed = JSON.parse(readFileSync(new URL(corePackageUrl), 'utf8')) as { version?: unknown };
    const bundled = JSON.parse(readFileSync(new URL('bundled-from.json', bundleDir), 'utf8')) as { version?: unknown; entries?: unknown };
    if (typeof installed.version !== 'string' || installed.version !== bundled.version || !Array.isArray(bundled.entries)) return undefined;
    return { coreRoot: new URL('./', corePackageUrl).href, bundleDir, entries: new Set(bundled.entries.filter((entry): entry is string => typeof entry === 'string')) };
  } catch {
    return undefined;
  }
}

/** Where `specifier`, which Node resolved to `resolvedUrl`, is in the bundle; undefined to keep Node's answer. */
export function bundledUrl(bundle: OclifBundle, specifier: string, resolvedUrl: string): string | undefined {
  if (!resolvedUrl.startsWith(bundle.coreRoot)) return undefined;
  const entry = specifier === '@oclif/core' ? 'index' : specifier.startsWith('@oclif/core/') ? specifier.slice('@oclif/core/'.length) : undefined;
  return entry !== undefined && bundle.entries.has(entry) ? new URL(`${entry}.js`, bundle.bundleDir).href : undefined;
}
