// Precompiles every schema vya validates at start-up (the config's, the manifest's and the
// bundled plugins' config schemas) into dist/core/config/precompiled-validators.cjs with ajv's
// standalone code generator: compiling them at each start cost ~90 ms of CPU. The module
// exports one validator per schema fingerprint; schema-validator.ts compiles anything else.
// CommonJS because ajv's standalone output requires its runtime helpers even in ESM mode.
import { readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';

const root = join(import.meta.dirname, '..');
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { AJV_OPTIONS, schemaFingerprint } = await load('dist/core/config/schema-validator.js');
const { INSTANCE_KINDS } = await load('dist/core/registry.js');
const schemas = [(await load('dist/core/config/schema.js')).configSchema, (await load('dist/core/repository/manifest-schema.js')).MANIFEST_SCHEMA];
for (const name of readdirSync(join(root, 'plugins'))) {
  const register = join('plugins', name, 'dist', 'register.js');
  if (!existsSync(join(root, register))) continue;
  const contribution = await (await load(register)).default();
  for (const kind of INSTANCE_KINDS) {
    for (const definition of contribution[kind] ?? []) schemas.push(definition.configSchema);
  }
}

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const exports = {};
for (const schema of schemas) {
  const fingerprint = schemaFingerprint(schema);
  if (exports[fingerprint]) continue;
  ajv.addSchema(schema, fingerprint);
  exports[fingerprint] = fingerprint;
}
writeFileSync(join(root, 'dist', 'core', 'config', 'precompiled-validators.cjs'), standalone.default(ajv, exports));
