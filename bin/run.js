#!/usr/bin/env node
// Checked before anything is imported: vya's own modules need Node.js 22.15 (module.registerHooks),
// and an older Node would stop with a link error instead of this line.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`Error: vya needs Node.js 22.15 or later; this is ${process.version}\nHint: install a current Node.js LTS (22 or 24) and run vya with it\n`);
  process.exit(1);
}
// The version is checked above; oclif's own engine check would load all of semver at every start.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
// Before oclif and vya's modules load, so that their compiled code is cached (src/compile-cache.ts).
const { enableVyaCompileCache } = await import('../dist/compile-cache.js');
enableVyaCompileCache();
// Before anything imports oclif: it then loads as one bundle (src/bundled-oclif.ts).
const { useBundledOclif } = await import('../dist/bundled-oclif.js');
useBundledOclif();
const { execute } = await import('@oclif/core/execute');
const { handle } = await import('@oclif/core/handle');
const { providePluginApi } = await import('../dist/provide-plugin-api.js');
const { loadCliConfig } = await import('../dist/cli-config.js');

providePluginApi();
try {
  await execute({ loadOptions: await loadCliConfig(import.meta.url) });
} catch (error) {
  // What execute would do with a failure to load its configuration.
  await handle(error instanceof Error ? error : new Error(String(error)));
}
