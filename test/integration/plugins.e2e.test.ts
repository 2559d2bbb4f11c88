import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, repoRoot, runVya, tempDir } from '../support/cli.js';

describe('end to end: third-party plugins through `vya plugins link`', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let env: Record<string, string>;
  const fixture = join(repoRoot, 'test', 'fixtures', 'plugin-memory-sink');

  before(async () => {
    dir = await tempDir('vya-e2e-plugins-');
    env = { VYA_DATA_DIR: join(dir.path, 'data'), VYA_CACHE_DIR: join(dir.path, 'cache'), VYA_STATE_DIR: join(dir.path, 'state') };
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  docs: { type: files, paths: [${join(repoRoot, 'docs')}] }\nsinks:\n  mem: { type: memory, label: test }\njobs:\n  docs: { source: docs, sink: mem }\n`);
  });
  after(async () => dir.cleanup());

  it('before linking, the unknown sink type is a config error naming the type', async () => {
    const result = await runVya(['check', '--config', config], { env });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.match(/unknown sink type "memory" \(no known plugin provides it; installed sink types: [a-z0-9, -]*\blocal\b/);
  });

  it('after linking, the plugin provides the type and a backup runs through it', async () => {
    const link = await runVya(['plugins', 'link', fixture, '--no-install'], { env });
    expect(link.code, link.stderr).to.equal(0);
    const listed = await runVya(['plugins'], { env });
    expect(listed.stdout).to.match(/vya-plugin-memory-sink 1\.2\.3 \(link\)/);
    const check = await runVya(['check', '--config', config], { env });
    expect(check.code, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.match(/sink mem: write: ok/);
    const backup = await runVya(['backup', '--config', config, '--json'], { env });
    expect(backup.code, backup.stderr).to.equal(0);
    const runs = parseJson<{ runs: { outcome: string; totals: { units: number } }[] }>(backup).runs;
    expect(runs[0]).to.deep.include({ outcome: 'succeeded' });
    expect(runs[0].totals.units).to.equal(1);
  });

  it('after unlinking, the type is gone again', async () => {
    const unlink = await runVya(['plugins', 'unlink', 'vya-plugin-memory-sink'], { env });
    expect(unlink.code, unlink.stderr).to.equal(0);
    const result = await runVya(['check', '--config', config], { env });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.match(/unknown sink type "memory"/);
  });
});
