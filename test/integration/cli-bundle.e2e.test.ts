import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { repoRoot, runVya, tempDir } from '../support/cli.js';

const bundleDir = join(repoRoot, 'dist', 'cli');
// What scripts/bundle-cli.mjs leaves to Node's resolution.
const EXTERNAL = [/^@oclif\//, /^@vya\/plugin-api$/, /^zstd-napi(\/|$)/, /^ajv(\/|$)/];

function bundleFiles(): string[] {
  return readdirSync(bundleDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The specifiers of a file's static and dynamic imports, as esbuild writes them. */
function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/(?:^|[\s;}])(?:import|export)\s*(?:[\w*${}\s,]+from\s*)?"([^"]+)"|\bimport\("([^"]+)"\)/gm)].map((match) => match[1] ?? match[2]);
}

describe('the bundled CLI (dist/cli, written by scripts/bundle-cli.mjs)', function () {
  this.timeout(60_000);

  it('a backup runs its command from the bundle: no module of dist/core or of yaml, and the precompiled validators instead of ajv\'s compiler', async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, 'tree'));
      await writeFile(join(dir.path, 'tree', 'a.txt'), 'hello\n');
      await writeFile(join(dir.path, 'vya.yml'), `sources:\n  tree: { type: files, paths: [${join(dir.path, 'tree')}] }\nsinks:\n  repo: { type: local, path: ${join(dir.path, 'repo')} }\njobs:\n  tree: { source: tree, sink: repo, compression: { algorithm: zstd } }\n`);
      const log = join(dir.path, 'loaded.txt');
      const preload = pathToFileURL(join(repoRoot, 'test', 'support', 'loaded-modules.mjs')).href;
      const result = await runVya(['backup', 'tree', '--config', join(dir.path, 'vya.yml')], { env: { NODE_OPTIONS: `--import=${preload}`, VYA_TEST_LOADED_MODULES_FILE: log } });
      expect(result.code, result.stderr).to.equal(0);
      const loaded = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((url) => url.replace(pathToFileURL(repoRoot).href, ''));
      expect(loaded).to.include('/dist/cli/commands/backup.js');
      expect(loaded.filter((url) => /^\/dist\/(core|commands|hooks)\//.test(url))).to.deep.equal([]);
      expect(loaded.filter((url) => url.includes('/node_modules/yaml/'))).to.deep.equal([]);
      expect(loaded.filter((url) => url.endsWith('/precompiled-validators.cjs'))).to.have.length(1);
      expect(loaded.filter((url) => url.includes('/node_modules/ajv/dist/compile/'))).to.deep.equal([]);
    } finally {
      await dir.cleanup();
    }
  });

  it('imports nothing but its own files, Node\'s built-ins and the packages it leaves external', () => {
    const files = bundleFiles();
    expect(files.length).to.be.above(30);
    const stray = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => !spec.startsWith('./') && !spec.startsWith('../') && !spec.startsWith('node:') && !builtinModules.includes(spec) && !EXTERNAL.some((pattern) => pattern.test(spec)))
        .map((spec) => `${relative(bundleDir, file)}: ${spec}`),
    );
    expect(stray).to.deep.equal([]);
    const relativeImports = files.flatMap((file) => importsOf(file).filter((spec) => spec.startsWith('.')));
    expect(relativeImports.length, 'the commands share chunks').to.be.above(30);
  });
});
