// Bundles the CLI's commands and hooks (tsc's output in dist/) into dist/cli, which is what
// package.json's oclif section points at. Loading ~60 of vya's modules and `yaml`'s 73 one by
// one was ~80 ms of every command's start-up; one file per command plus shared chunks is
// ~30 ms. dist/core stays as tsc wrote it for `vya/testing` and the type declarations.
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { COMMONJS_GLOBALS, NODE_ESM } from './esbuild-node.mjs';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');
const outdir = join(dist, 'cli');
const PRECOMPILED = 'precompiled-validators.cjs';

// Left to Node's resolution: oclif and @vya/plugin-api must be the one copy that oclif's
// own plugins and installed vya plugins share, zstd-napi is a native addon, and ajv is what
// the precompiled validators require at run time.
const external = ['@oclif/*', '@vya/plugin-api', 'zstd-napi', 'zstd-napi/*', 'ajv', 'ajv/*'];

function scripts(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  ...NODE_ESM,
  banner: COMMONJS_GLOBALS,
  entryPoints: [...scripts(join(dist, 'commands')), ...scripts(join(dist, 'hooks'))],
  outdir,
  outbase: dist,
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  external,
  sourcemap: 'linked',
  metafile: true,
  absWorkingDir: root, // the metafile's paths are relative to it
});

// The config validator requires its precompiled schemas relative to its own file: they go
// beside the output that holds it.
const VALIDATOR = 'dist/core/config/schema-validator.js';
const holders = Object.entries(result.metafile.outputs)
  .filter(([, output]) => Object.hasOwn(output.inputs, VALIDATOR))
  .map(([file]) => file);
if (holders.length !== 1) throw new Error(`bundle-cli: expected one output that holds ${VALIDATOR}, found ${holders.length}`);
copyFileSync(join(dist, 'core', 'config', PRECOMPILED), join(root, dirname(holders[0]), PRECOMPILED));
