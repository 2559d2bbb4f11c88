import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { repoRoot, runVya, tempDir } from '../support/cli.js';

const bundleDir = join(repoRoot, 'dist', 'cli');
const oclifBundleDir = join(repoRoot, 'dist', 'oclif');
// What scripts/bundle-cli.mjs leaves to Node's resolution.
const EXTERNAL = [/^@oclif\//, /^@vya\/plugin-api$/, /^zstd-napi(\/|$)/, /^ajv(\/|$)/];

function bundleFiles(dir = bundleDir): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
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
      expect(loaded).to.include('/dist/oclif/execute.js');
      expect(loaded.filter((url) => url.includes('/node_modules/@oclif/core/'))).to.deep.equal([]);
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

  async function loadedBy(args: string[], env: Record<string, string> = {}, bin?: string): Promise<{ result: Awaited<ReturnType<typeof runVya>>; loaded: string[] }> {
    const dir = await tempDir();
    try {
      const log = join(dir.path, 'loaded.txt');
      const preload = pathToFileURL(join(repoRoot, 'test', 'support', 'loaded-modules.mjs')).href;
      const result = await runVya(args, { bin, env: { ...env, NODE_OPTIONS: `--import=${preload}`, VYA_TEST_LOADED_MODULES_FILE: log } });
      return { result, loaded: (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
    } finally {
      await dir.cleanup();
    }
  }

  it("oclif's own plugins' commands share the one bundled copy of oclif: nothing of node_modules/@oclif/core loads", async () => {
    for (const args of [['plugins', 'inspect', 'vya'], ['help', 'backup'], ['--version']]) {
      const { result, loaded } = await loadedBy(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0);
      expect(loaded.filter((url) => url.includes('/node_modules/@oclif/core/')), args.join(' ')).to.deep.equal([]);
      expect(loaded.filter((url) => url.includes('/dist/oclif/')).length, args.join(' ')).to.be.above(3);
    }
    // `plugins inspect` is @oclif/plugin-plugins' own command, which imports '@oclif/core' itself.
    const { result, loaded } = await loadedBy(['plugins', 'inspect', 'vya']);
    expect(result.stdout).to.include('commands');
    expect(loaded.some((url) => url.includes('/node_modules/@oclif/plugin-plugins/lib/commands/plugins/inspect.js'))).to.equal(true);
  });

  it('a bundle built from another version of oclif than the installed one is left alone: vya runs on node_modules/@oclif/core', async () => {
    const dir = await tempDir();
    try {
      // A copy of the CLI whose bundle is stale, as after `npm install` of a newer oclif without a build.
      await cp(join(repoRoot, 'bin'), join(dir.path, 'bin'), { recursive: true });
      await cp(join(repoRoot, 'dist'), join(dir.path, 'dist'), { recursive: true });
      await cp(join(repoRoot, 'package.json'), join(dir.path, 'package.json'));
      await symlink(join(repoRoot, 'node_modules'), join(dir.path, 'node_modules'));
      const stamp = join(dir.path, 'dist', 'oclif', 'bundled-from.json');
      await writeFile(stamp, JSON.stringify({ ...JSON.parse(await readFile(stamp, 'utf8')), version: '0.0.1' }));
      const { result, loaded } = await loadedBy(['--version'], {}, join(dir.path, 'bin', 'run.js'));
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^vya\/\S+ /);
      expect(loaded.filter((url) => url.includes('/dist/oclif/'))).to.deep.equal([]);
      expect(loaded.some((url) => url.endsWith('/node_modules/@oclif/core/lib/execute.js'))).to.equal(true);
    } finally {
      await dir.cleanup();
    }
  });

  it('neither `vya --version` nor a one-file backup compares strings by locale: the first collator makes ICU list its locales', async () => {
    const dir = await tempDir();
    try {
      await mkdir(join(dir.path, 'tree'));
      await writeFile(join(dir.path, 'tree', 'a.txt'), 'hello\n');
      await writeFile(join(dir.path, 'vya.yml'), `sources:\n  tree: { type: files, paths: [${join(dir.path, 'tree')}] }\nsinks:\n  repo: { type: local, path: ${join(dir.path, 'repo')} }\njobs:\n  tree: { source: tree, sink: repo }\n`);
      const preload = pathToFileURL(join(repoRoot, 'test', 'support', 'collator-calls.mjs')).href;
      for (const args of [['--version'], ['backup', 'tree', '--config', join(dir.path, 'vya.yml')]]) {
        const log = join(dir.path, 'collator-calls.txt');
        const result = await runVya(args, { env: { NODE_OPTIONS: `--import=${preload}`, VYA_TEST_COLLATOR_CALLS_FILE: log } });
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0);
        expect((await readFile(log, 'utf8')).split('\n').filter(Boolean), args.join(' ')).to.deep.equal([]);
      }
    } finally {
      await dir.cleanup();
    }
  });

  it('the oclif bundle imports nothing but its own files and Node\'s built-ins', () => {
    const files = bundleFiles(oclifBundleDir);
    expect(files.length).to.be.above(15);
    const stray = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => !spec.startsWith('./') && !spec.startsWith('../') && !spec.startsWith('node:') && !builtinModules.includes(spec))
        .map((spec) => `${relative(oclifBundleDir, file)}: ${spec}`),
    );
    expect(stray).to.deep.equal([]);
  });
});
