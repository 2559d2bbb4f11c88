import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonSchema, PluginContribution } from '@vya/plugin-api';
import { configSchema } from '../../src/core/config/schema.js';
import { MANIFEST_SCHEMA } from '../../src/core/repository/manifest-schema.js';
import { AJV_OPTIONS, schemaFingerprint } from '../../src/core/config/schema-validator.js';
import { INSTANCE_KINDS } from '../../src/core/registry.js';

const root = join(import.meta.dirname, '..', '..');
const precompiledPath = join(root, 'dist', 'core', 'config', 'precompiled-validators.cjs');

async function bundledPluginSchemas(): Promise<{ what: string; schema: JsonSchema }[]> {
  const found: { what: string; schema: JsonSchema }[] = [];
  for (const name of readdirSync(join(root, 'plugins'))) {
    const register = join(root, 'plugins', name, 'src', 'register.ts');
    if (!existsSync(register)) continue;
    const contribution = (await ((await import(pathToFileURL(register).href)) as { default: () => Promise<PluginContribution> }).default()) as PluginContribution;
    for (const kind of INSTANCE_KINDS) {
      for (const definition of contribution[kind] ?? []) found.push({ what: `${name} ${kind} ${definition.type}`, schema: definition.configSchema });
    }
  }
  return found;
}

describe('precompiled schema validators (build step)', function () {
  this.timeout(60_000);
  const precompiled = createRequire(import.meta.url)(precompiledPath) as Record<string, ValidateFunction>;

  it('the build precompiled the config, the manifest and every bundled plugin schema as the sources define them now', async () => {
    const schemas = [{ what: 'config', schema: configSchema }, { what: 'manifest', schema: MANIFEST_SCHEMA }, ...(await bundledPluginSchemas())];
    expect(schemas.length).to.be.above(12);
    const missing = schemas.filter(({ schema }) => typeof precompiled[schemaFingerprint(schema)] !== 'function').map(({ what }) => what);
    expect(missing).to.deep.equal([]);
  });

  it('a precompiled validator reports exactly what ajv compiled at run time reports', () => {
    const runtime = new Ajv(AJV_OPTIONS).compile(configSchema);
    const built = precompiled[schemaFingerprint(configSchema)];
    const documents: unknown[] = [
      { version: 1, sources: { a: { type: 'files', paths: ['/srv'] } }, sinks: { s: { type: 'local', path: '/b' } }, jobs: { j: { source: 'a', sink: 's' } } },
      { version: 2, sourcez: {}, jobs: { j: { source: 1, sink: ['x'], compression: { algorithm: 'lz5', level: 'high' } } } },
      { jobs: { '-rf': { source: 'a', sink: 's', retention: { keep_last: -1 } } } },
      'not a mapping',
      null,
    ];
    for (const document of documents) {
      const ok = [runtime(document), built(document)];
      expect(ok[1], JSON.stringify(document)).to.equal(ok[0]);
      expect(built.errors ?? null, JSON.stringify(document)).to.deep.equal(runtime.errors ?? null);
    }
  });

  it('a schema the build did not see is compiled at run time; the precompiled ones never load the ajv compiler', () => {
    const script = `
      const { validateAgainstSchema } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/core/config/schema-validator.js')).href)});
      const { configSchema } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/core/config/schema.js')).href)});
      const { createRequire } = await import('node:module');
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.endsWith('/ajv/dist/ajv.js'));
      const before = [validateAgainstSchema(configSchema, { version: 7 }).map((p) => p.path.join('.') + ' ' + p.message), loaded()];
      const fresh = { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false };
      const after = [validateAgainstSchema(fresh, { n: 'x', m: 1 }).map((p) => p.path.join('.') + ' ' + p.message), loaded()];
      console.log(JSON.stringify({ before, after }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { before: [string[], boolean]; after: [string[], boolean] };
    expect(out.before).to.deep.equal([['version must be 1'], false]);
    expect(out.after).to.deep.equal([['m unknown key', 'n must be an integer'], true]);
  });
});
