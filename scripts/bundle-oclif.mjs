// Bundles @oclif/core, the copy in vya's node_modules, into dist/oclif: one ES module per
// entry of its package.json "exports", sharing chunks, so that the process holds one copy of
// oclif's state. Loading oclif as ~140 CommonJS files (its own and its dependencies') was
// 20-30 ms of every start-up on a slow VM (docs/performance.md, tenth round).
// src/bundled-oclif.ts sends every import that would have loaded this copy to the bundle,
// and only while dist/oclif/bundled-from.json names the version that is installed.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { COMMONJS_GLOBALS, NODE_ESM } from './esbuild-node.mjs';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist', 'oclif');
const require = createRequire(join(root, 'package.json'));
const corePackage = JSON.parse(readFileSync(require.resolve('@oclif/core/package.json'), 'utf8'));
const ENTRY = 'vya-oclif-entry:';

/** `@oclif/core` → `index`, `@oclif/core/util/ids` → `util/ids`: the bundle's file for each export. */
const entries = Object.keys(corePackage.exports)
  .filter((subpath) => subpath !== './package.json')
  .map((subpath) => (subpath === '.' ? 'index' : subpath.slice(2)));
const specifierOf = (entry) => (entry === 'index' ? '@oclif/core' : `@oclif/core/${entry}`);

// esbuild gives a CommonJS entry a default export only; each entry re-exports the names
// that Node's own import of the CommonJS module offers, read from the module itself.
const namedReexports = {
  name: 'oclif-named-reexports',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${ENTRY}`) }, (args) => ({ path: args.path.slice(ENTRY.length), namespace: 'oclif-entry' }));
    build.onLoad({ filter: /.*/, namespace: 'oclif-entry' }, (args) => {
      const specifier = specifierOf(args.path);
      const names = Object.keys(require(specifier)).filter((name) => name !== 'default' && name !== '__esModule');
      const invalid = names.filter((name) => !/^[A-Za-z_$][\w$]*$/.test(name));
      if (invalid.length > 0) throw new Error(`bundle-oclif: ${specifier} exports names that are not identifiers: ${invalid.join(', ')}`);
      return { contents: `const m = require(${JSON.stringify(specifier)});\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`, resolveDir: root, loader: 'js' };
    });
  },
};

// oclif sorts each plugin's commands with localeCompare while it loads its configuration, at
// every command: the process's first collator makes ICU list its locales, 15% of the
// instructions of `vya --version` (docs/performance.md, eleventh round). Command ids are
// ASCII, which code-unit order sorts as well. The build fails if a new oclif sorts otherwise.
const SORT_BY_LOCALE = '.sort((a, b) => a.id.localeCompare(b.id))';
const SORT_BY_CODE_UNITS = '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))';
const commandsSortedByCodeUnits = {
  name: 'oclif-commands-sorted-by-code-units',
  setup(build) {
    build.onLoad({ filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/ }, (args) => {
      const code = readFileSync(args.path, 'utf8');
      if (code.split(SORT_BY_LOCALE).length !== 2) throw new Error(`bundle-oclif: ${args.path} no longer sorts commands with "${SORT_BY_LOCALE}" exactly once; check what it does now`);
      return { contents: code.replace(SORT_BY_LOCALE, SORT_BY_CODE_UNITS), loader: 'js' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  ...NODE_ESM,
  banner: COMMONJS_GLOBALS,
  entryPoints: Object.fromEntries(entries.map((entry) => [entry, `${ENTRY}${entry}`])),
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  plugins: [namedReexports, commandsSortedByCodeUnits],
  // oclif requires these by computed paths, and only to run a CLI from TypeScript sources.
  external: ['ts-node', 'typescript'],
});
writeFileSync(join(outdir, 'bundled-from.json'), `${JSON.stringify({ version: corePackage.version, entries }, null, 2)}\n`);
