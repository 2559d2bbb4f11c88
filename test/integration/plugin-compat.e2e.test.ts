import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, repoRoot, runVya, tempDir } from '../support/cli.js';

describe('end to end: plugins vya must not load, without going down', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  let config: string;
  const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', name);

  before(async () => {
    dir = await tempDir('vya-e2e-plugin-compat-');
    env = { XDG_DATA_HOME: join(dir.path, 'data'), XDG_CACHE_HOME: join(dir.path, 'cache'), XDG_CONFIG_HOME: join(dir.path, 'config'), VYA_STATE_DIR: join(dir.path, 'state') };
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  docs: { type: files, paths: [${join(repoRoot, 'docs')}] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  docs: { source: docs, sink: repo }\n`);
    for (const name of ['plugin-future-api', 'plugin-throwing-hook']) {
      const link = await runVya(['plugins', 'link', fixture(name), '--no-install'], { env });
      expect(link.code, link.stderr).to.equal(0);
    }
  });
  after(async () => dir.cleanup());

  it('a plugin built for another plugin-API major is refused in one line naming both versions', async () => {
    const listed = await runVya(['plugins'], { env });
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.match(/^vya-plugin-future-api 2\.0\.0 \(link\): not loaded: built for plugin API 2 \(@vya\/plugin-api \^2\.0\.0\), but this vya provides plugin API 1 \(1\.\d+\.\d+\); install a release of the plugin built for @vya\/plugin-api \^1\.0\.0$/m);
    const check = await runVya(['check', '--config', config], { env });
    expect(check.stderr).to.match(/plugin vya-plugin-future-api failed to load: built for plugin API 2 .* provides plugin API 1 /);
  });

  it('a plugin whose hook throws is reported, and every command still works', async () => {
    const listed = await runVya(['plugins', '--types'], { env });
    expect(listed.stdout).to.match(/^vya-plugin-throwing-hook 0\.0\.1 \(link\): not loaded: register exploded on purpose$/m);
    expect(listed.stdout).to.match(/^@vya\/plugin-local .*\n {2}sinks: local$/m);
    const check = await runVya(['check', '--config', config], { env });
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(check.stderr).to.match(/plugin vya-plugin-throwing-hook failed to load: register exploded on purpose/);
    const backup = await runVya(['backup', '--config', config, '--json'], { env });
    expect(backup.code, backup.stderr).to.equal(0);
    expect(parseJson<{ runs: { outcome: string }[] }>(backup).runs[0].outcome).to.equal('succeeded');
  });

  it('a config naming the refused plugin\'s type fails as an unknown type', async () => {
    const refused = join(dir.path, 'future.yml');
    await writeFile(refused, `sources:\n  docs: { type: files, paths: [${join(repoRoot, 'docs')}] }\nsinks:\n  f: { type: future }\njobs:\n  docs: { source: docs, sink: f }\n`);
    const check = await runVya(['check', '--config', refused], { env });
    expect(check.code).to.equal(2);
    expect(check.stdout).to.match(/unknown sink type "future"/);
  });
});
