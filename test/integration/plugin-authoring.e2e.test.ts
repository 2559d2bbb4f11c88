import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { parseJson, repoRoot, runVya, tempDir } from '../support/cli.js';
import { linkDevDependencies, npmPack, runNode } from '../support/scaffolded-plugin.js';

/**
 * The path of a third-party author, outside this repository: `vya plugins new` → build →
 * the package's own test under its own mocha → npm pack → `vya plugins install` of the
 * tarball into an isolated data dir, offline → backup and restore through it → listed with
 * its type → uninstalled, after which a config naming the type fails clearly.
 */
describe('end to end: a plugin from `vya plugins new` to install, use and uninstall', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  let pkg: string;
  let tarball: string;
  let config: string;

  before(async () => {
    dir = await tempDir('vya-e2e-authoring-');
    expect(relative(repoRoot, dir.path).startsWith('..'), 'the package is generated outside the repository').to.equal(true);
    const home = (name: string) => join(dir.path, 'home', name);
    env = {
      XDG_DATA_HOME: home('data'),
      XDG_CACHE_HOME: home('cache'),
      XDG_CONFIG_HOME: home('config'),
      VYA_STATE_DIR: home('state'),
      npm_config_offline: 'true',
      npm_config_cache: home('npm-cache'),
      npm_config_update_notifier: 'false',
    };
    pkg = join(dir.path, 'vya-plugin-e2e-box');
    config = join(dir.path, 'vya.yml');
    const data = join(dir.path, 'data');
    await mkdir(join(data, 'sub'), { recursive: true });
    await writeFile(join(data, 'a.txt'), 'alpha\n');
    await writeFile(join(data, 'sub', 'b.txt'), 'beta '.repeat(10_000));
    // `path: ./repo` is relative to this file: the generated sink resolves it with context.resolvePath.
    await writeFile(config, `sources:\n  data: { type: files, paths: [${data}] }\nsinks:\n  box: { type: e2e-box, path: ./repo }\njobs:\n  data: { source: data, sink: box }\n`);
  });
  after(async () => dir.cleanup());

  it('writes the package, which builds and passes its conformance suite under its own mocha', async () => {
    const generated = await runVya(['plugins', 'new', 'sink', 'e2e-box', '--dir', pkg], { env, cwd: dir.path });
    expect(generated.code, generated.stderr).to.equal(0);
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { oclif: { hooks: Record<string, string> }; peerDependencies: Record<string, string> };
    expect(manifest.oclif.hooks['vya:register']).to.equal('./dist/register.js');
    expect(manifest.peerDependencies['@vya/plugin-api']).to.equal('^1.0.0');
    await linkDevDependencies(pkg);
    const build = await runNode(pkg, [join(pkg, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
    expect(build.code, build.output).to.equal(0);
    const test = await runNode(pkg, [join(pkg, 'node_modules', 'mocha', 'bin', 'mocha.js')]);
    expect(test.code, test.output).to.equal(0);
    expect(test.output).to.match(/sink conformance: e2e-box/);
    expect(test.output).to.match(/\b1[0-9] passing/);
    expect(test.output).to.not.match(/\d+ failing/);
  });

  it('installs from the packed tarball, offline, and is listed with its type', async () => {
    tarball = await npmPack(pkg, env);
    // A relative path, as a user types it: oclif alone would take it for a GitHub owner/repo.
    const install = await runVya(['plugins', 'install', `./${relative(dir.path, tarball)}`], { env, cwd: dir.path });
    expect(install.code, install.stdout + install.stderr).to.equal(0);
    // The plugin declares @vya/plugin-api as a peer: npm installed no copy, vya provides its own.
    const installed = join(env.XDG_DATA_HOME, 'vya', 'node_modules');
    expect(await readdir(installed)).to.include('vya-plugin-e2e-box');
    expect(await readdir(installed)).to.not.include('@vya');
    const listed = await runVya(['plugins', '--types'], { env });
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.match(/^vya-plugin-e2e-box 0\.1\.0 \(installed\)\n {2}sinks: e2e-box$/m);
    expect(listed.stdout).to.match(/^@vya\/plugin-local \d+\.\d+\.\d+ \(bundled\)\n {2}sinks: local$/m);
  });

  it('backs up into the installed sink and restores from it exactly', async () => {
    const check = await runVya(['check', '--config', config], { env });
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    const backup = await runVya(['backup', '--config', config, '--json'], { env });
    expect(backup.code, backup.stderr).to.equal(0);
    expect(parseJson<{ runs: { outcome: string }[] }>(backup).runs[0].outcome).to.equal('succeeded');
    const [snapshot] = parseJson<{ id: string; sink: string }[]>(await runVya(['snapshots', '--config', config, '--json'], { env }));
    expect(snapshot.sink).to.equal('box');
    const target = join(dir.path, 'restored');
    const restore = await runVya(['restore', snapshot.id, '--to', target, '--config', config], { env });
    expect(restore.code, restore.stdout + restore.stderr).to.equal(0);
    const restoredFiles = await findFile(target, 'b.txt');
    expect(await readFile(restoredFiles, 'utf8')).to.equal('beta '.repeat(10_000));
  });

  it('after uninstalling, a config naming its type fails with a clear message', async () => {
    const uninstall = await runVya(['plugins', 'uninstall', 'vya-plugin-e2e-box'], { env });
    expect(uninstall.code, uninstall.stderr).to.equal(0);
    const listed = await runVya(['plugins'], { env });
    expect(listed.stdout).to.not.match(/e2e-box/);
    const check = await runVya(['check', '--config', config], { env });
    expect(check.code).to.equal(2);
    expect(check.stdout + check.stderr).to.match(/unknown sink type "e2e-box" \(no known plugin provides it; installed sink types: [a-z0-9, -]*\blocal\b/);
  });

  it('installs from a package directory too, and a missing path is a clear error, not a GitHub lookup', async () => {
    const install = await runVya(['plugins', 'install', pkg], { env, cwd: dir.path });
    expect(install.code, install.stdout + install.stderr).to.equal(0);
    expect((await runVya(['plugins', '--types'], { env })).stdout).to.match(/vya-plugin-e2e-box 0\.1\.0 \(installed\)\n {2}sinks: e2e-box/);
    expect((await runVya(['plugins', 'uninstall', 'vya-plugin-e2e-box'], { env })).code).to.equal(0);
    const missing = await runVya(['plugins', 'install', './no-such-plugin.tgz'], { env, cwd: dir.path, timeoutMs: 30_000 });
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^Error: no such plugin file or directory: \.\/no-such-plugin\.tgz$/m);
  });
});

async function findFile(root: string, name: string): Promise<string> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const found = entries.find((entry) => entry.isFile() && entry.name === name);
  if (!found) throw new Error(`${name} not restored under ${root}`);
  return join(found.parentPath, found.name);
}
