import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

describe('vya init with its defaults (back up the current directory)', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let out: { path: string; cleanup: () => Promise<void> };

  before(async () => {
    dir = await tempDir('vya-e2e-init-');
    out = await tempDir('vya-e2e-init-out-');
    await writeFile(join(dir.path, 'notes.txt'), 'keep me\n');
  });
  after(async () => {
    await dir.cleanup();
    await out.cleanup();
  });

  it('never backs up its own repository or private key, however often it runs', async () => {
    const env = { VYA_STATE_DIR: join(out.path, 'state') };
    expect((await runVya(['init'], { cwd: dir.path, env })).code).to.equal(0);
    const sizes: number[] = [];
    for (let run = 0; run < 3; run++) {
      const result = parseJson<{ runs: { totals: { rawBytes: number } }[] }>(await runVya(['backup', '--json'], { cwd: dir.path, env }));
      sizes.push(result.runs[0].totals.rawBytes);
    }
    expect(sizes[2], 'the third run archived the earlier ones').to.equal(sizes[1]);
    const restored = join(out.path, 'restored');
    const unit = dir.path.replace(/^\//, '');
    const restore = await runVya(['restore', `files-to-local/${unit}@latest`, '--to', restored, '-i', join(dir.path, 'vya-identity.txt')], { cwd: dir.path, env });
    expect(restore.code, restore.stderr).to.equal(0);
    expect((await readdir(restored)).sort()).to.deep.equal(['notes.txt', 'vya.yml']);
  });
});
