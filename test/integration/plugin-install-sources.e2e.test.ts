import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';
import { LocalNpmRegistry } from '../support/npm-registry.js';
import { buildScaffoldedSink, npmPack } from '../support/scaffolded-plugin.js';

const run = promisify(execFile);
const git = (cwd: string, ...args: string[]) => run('git', ['-c', 'user.name=vya e2e', '-c', 'user.email=e2e@vya.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd });

/**
 * The install forms of `vya plugins install` that plugin-authoring.e2e.test.ts does not cover
 * (it does tarball and directory): a registry name, served by a registry on loopback, and a
 * git URL of a local repository. Everything is offline; each form installs into its own
 * data dir and npm cache, so nothing is served from an earlier install.
 */
describe('end to end: `vya plugins install` from a registry name and a git URL', function () {
  this.timeout(300_000);
  const registry = new LocalNpmRegistry();
  let dir: { path: string; cleanup: () => Promise<void> };
  let pkg: string;
  let config: string;

  /** Isolated XDG dirs, npm cache and npm user config for one install form. */
  function isolated(form: string): Record<string, string> {
    const home = (name: string) => join(dir.path, form, name);
    return {
      XDG_DATA_HOME: home('data'),
      XDG_CACHE_HOME: home('cache'),
      XDG_CONFIG_HOME: home('config'),
      VYA_STATE_DIR: home('state'),
      npm_config_cache: home('npm-cache'),
      npm_config_userconfig: home('npmrc'),
      npm_config_update_notifier: 'false',
    };
  }
  const throughRegistry = (form: string) => ({ ...isolated(form), npm_config_registry: registry.url, npm_config_offline: 'false' });
  const installedIn = (env: Record<string, string>) => readdir(join(env.XDG_DATA_HOME, 'vya', 'node_modules'));

  before(async () => {
    dir = await tempDir('vya-e2e-install-sources-');
    await registry.start();
    pkg = join(dir.path, 'vya-plugin-e2e-src');
    await buildScaffoldedSink('e2e-src', pkg, (args) => runVya(args, { env: isolated('scaffold'), cwd: dir.path }));
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { name: string; version: string };
    await registry.publish(manifest, await npmPack(pkg, isolated('scaffold')));
    // The same plugin under a scope, packed from a copy so the unscoped package stays as generated.
    const scoped = join(dir.path, 'scoped');
    await cp(pkg, scoped, { recursive: true, filter: (source) => !source.includes('node_modules') && !source.endsWith('.tgz') });
    const scopedManifest = { ...manifest, name: '@vya-e2e/plugin-e2e-src' };
    await writeFile(join(scoped, 'package.json'), JSON.stringify(scopedManifest, null, 2));
    await registry.publish(scopedManifest, await npmPack(scoped, isolated('scaffold')));

    const data = join(dir.path, 'data');
    await mkdir(data);
    await writeFile(join(data, 'a.txt'), 'alpha\n');
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  data: { type: files, paths: [${data}] }\nsinks:\n  box: { type: e2e-src, path: ./repo }\njobs:\n  data: { source: data, sink: box }\n`);
  });
  after(async () => {
    await registry.stop();
    await dir?.cleanup();
  });

  it('installs a registry name from npm_config_registry, backs up through it and uninstalls it', async () => {
    const env = throughRegistry('registry');
    const install = await runVya(['plugins', 'install', 'vya-plugin-e2e-src'], { env, cwd: dir.path });
    expect(install.code, install.stdout + install.stderr).to.equal(0);
    // Proof that npm asked this registry: for the packument (npm view, then npm install) and the tarball.
    expect(registry.requests).to.include('GET /vya-plugin-e2e-src');
    expect(registry.requests).to.include('GET /vya-plugin-e2e-src/-/vya-plugin-e2e-src-0.1.0.tgz');
    expect(await installedIn(env)).to.include('vya-plugin-e2e-src').and.not.include('@vya');
    const listed = await runVya(['plugins', '--types'], { env });
    expect(listed.stdout).to.match(/^vya-plugin-e2e-src 0\.1\.0 \(installed\)\n {2}sinks: e2e-src$/m);
    const backup = await runVya(['backup', '--config', config, '--json'], { env });
    expect(backup.code, backup.stderr).to.equal(0);
    expect(parseJson<{ runs: { outcome: string }[] }>(backup).runs[0].outcome).to.equal('succeeded');
    const uninstall = await runVya(['plugins', 'uninstall', 'vya-plugin-e2e-src'], { env });
    expect(uninstall.code, uninstall.stderr).to.equal(0);
    expect((await runVya(['plugins'], { env })).stdout).to.not.match(/e2e-src/);
  });

  it('installs a scoped registry name with a version, from VYA_NPM_REGISTRY', async () => {
    const env = { ...isolated('scoped'), VYA_NPM_REGISTRY: registry.url, npm_config_offline: 'false' };
    const install = await runVya(['plugins', 'install', '@vya-e2e/plugin-e2e-src@0.1.0'], { env, cwd: dir.path });
    expect(install.code, install.stdout + install.stderr).to.equal(0);
    expect(registry.requests).to.include('GET /@vya-e2e/plugin-e2e-src/-/plugin-e2e-src-0.1.0.tgz');
    const listed = await runVya(['plugins', '--types'], { env });
    expect(listed.stdout).to.match(/^@vya-e2e\/plugin-e2e-src 0\.1\.0 \(installed\)\n {2}sinks: e2e-src$/m);
    const uninstall = await runVya(['plugins', 'uninstall', '@vya-e2e/plugin-e2e-src'], { env });
    expect(uninstall.code, uninstall.stderr).to.equal(0);
    expect((await runVya(['plugins'], { env })).stdout).to.not.match(/e2e-src/);
  });

  it('a name the registry does not have is a one-line error at once, and installs nothing', async () => {
    const env = throughRegistry('missing');
    const started = Date.now();
    const missing = await runVya(['plugins', 'install', 'vya-plugin-no-such'], { env, cwd: dir.path, timeoutMs: 60_000 });
    expect(missing.code, missing.stdout + missing.stderr).to.equal(2);
    expect(registry.requests).to.include('GET /vya-plugin-no-such');
    // oclif's error line (with its ` ›` margin), after the failed progress line; no stack.
    expect(missing.stderr).to.match(/^[ ›]*Error: vya-plugin-no-such does not exist in the registry\.$/m);
    expect(missing.stderr.trim().split('\n')).to.have.length.below(3);
    expect(missing.stderr).to.not.match(/^\s+at /m);
    expect(Date.now() - started).to.be.below(30_000);
    expect((await runVya(['plugins'], { env })).stdout).to.not.match(/no-such/);
  });

  it('installs a git+file URL of a repository that commits dist/ and has no build scripts', async () => {
    const env = { ...isolated('git'), npm_config_offline: 'true' };
    const repo = await gitRepositoryOf(pkg, join(dir.path, 'git'));
    const install = await runVya(['plugins', 'install', `git+file://${repo}`], { env, cwd: dir.path });
    expect(install.code, install.stdout + install.stderr).to.equal(0);
    expect(await installedIn(env)).to.include('vya-plugin-e2e-src');
    const listed = await runVya(['plugins', '--types'], { env });
    expect(listed.stdout).to.match(/^vya-plugin-e2e-src 0\.1\.0 \(installed\)\n {2}sinks: e2e-src$/m);
    const uninstall = await runVya(['plugins', 'uninstall', 'vya-plugin-e2e-src'], { env });
    expect(uninstall.code, uninstall.stderr).to.equal(0);
    expect((await runVya(['plugins'], { env })).stdout).to.not.match(/e2e-src/);
  });

  it('a git URL of the package as generated (build scripts, no dist/) needs the network: offline it fails and installs nothing', async () => {
    const env = { ...isolated('git-as-generated'), npm_config_offline: 'true' };
    const work = join(dir.path, 'git-as-generated', 'work');
    await cp(pkg, work, { recursive: true, filter: (source) => !source.includes('node_modules') && !source.endsWith('.tgz') });
    await git(work, 'init', '-q');
    await git(work, 'add', '-A');
    await git(work, 'commit', '-q', '-m', 'as generated');
    const install = await runVya(['plugins', 'install', `git+file://${work}/.git`], { env, cwd: dir.path });
    expect(install.code).to.equal(2);
    // npm prepares a git dependency that has build/prepack scripts by installing its
    // devDependencies in the clone: offline, the first one is not in the cache.
    expect(install.stdout + install.stderr).to.match(/git dep preparation failed/);
    expect(install.stdout + install.stderr).to.match(/ENOTCACHED/);
    expect((await runVya(['plugins'], { env })).stdout).to.not.match(/e2e-src/);
  });
});

/**
 * A bare repository `<into>/plugin.git` whose one commit is the built package with dist/ and
 * without the scripts (build, prepack) that make npm prepare a git dependency by installing
 * its devDependencies from the network.
 */
async function gitRepositoryOf(pkg: string, into: string): Promise<string> {
  const work = join(into, 'work');
  await cp(pkg, work, { recursive: true, filter: (source) => !source.includes('node_modules') && !source.endsWith('.tgz') });
  const manifestPath = join(work, 'package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { scripts?: Record<string, string> };
  delete manifest.scripts;
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  await git(work, 'init', '-q');
  await git(work, 'add', '-A');
  await git(work, 'add', '-f', 'dist');
  await git(work, 'commit', '-q', '-m', 'built plugin');
  const bare = join(into, 'plugin.git');
  await git(into, 'clone', '-q', '--bare', work, bare);
  return bare;
}
