import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../support/cli.js';

describe('end to end: vya migrate with several legacy globs', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;

  before(async () => {
    dir = await tempDir('vya-e2e-migrate-globs-');
    env = { VYA_CONFIG_HOME: join(dir.path, 'config-home'), VYA_STATE_DIR: join(dir.path, 'state'), VYA_VAULT_KEY: '' };
    await mkdir(join(dir.path, 'uploads', 'img'), { recursive: true });
    await writeFile(join(dir.path, 'uploads', 'img', 'a.jpg'), 'jpg');
    await writeFile(join(dir.path, 'uploads', 'img', 'b.txt'), 'not wanted');
    await mkdir(join(dir.path, 'etc-app'));
    await writeFile(join(dir.path, 'etc-app', 'app.conf'), 'setting = 1\n');
  });

  after(async () => dir.cleanup());

  it('backs up the file a wide glob names even when another glob is narrower', async () => {
    const legacy = join(dir.path, 'legacy.json');
    const globs = [`${join(dir.path, 'uploads')}/**/*.jpg`, `${join(dir.path, 'etc-app')}/*`];
    await writeFile(legacy, JSON.stringify({ bkp_system: { path_zip: join(dir.path, 'repo') }, db_config: [{ id_dbms: 3, dbms: 'files', db_list: globs, enabled: true }] }));
    const config = join(dir.path, 'vya.yml');
    const migrated = await runVya(['migrate', legacy, '--out', config], { env });
    expect(migrated.code, migrated.stderr).to.equal(0);
    const backup = await runVya(['backup', '--config', config], { env });
    expect(backup.code, backup.stdout + backup.stderr).to.equal(0);
    const conf = join(dir.path, 'restored-conf');
    const unit = join(dir.path, 'etc-app').replace(/^\//, '');
    const restoredConf = await runVya(['restore', `files-3-2/${unit}@latest`, '--to', conf, '--config', config], { env });
    expect(restoredConf.code, restoredConf.stderr).to.equal(0);
    expect(await readFile(join(conf, 'app.conf'), 'utf8')).to.equal('setting = 1\n');
    const jpg = join(dir.path, 'restored-jpg');
    const uploads = join(dir.path, 'uploads').replace(/^\//, '');
    const restoredJpg = await runVya(['restore', `files-3/${uploads}@latest`, '--to', jpg, '--config', config], { env });
    expect(restoredJpg.code, restoredJpg.stderr).to.equal(0);
    expect(await readFile(join(jpg, 'img', 'a.jpg'), 'utf8')).to.equal('jpg');
    expect(await readFile(join(jpg, 'img', 'b.txt'), 'utf8').catch(() => 'absent')).to.equal('absent');
  });
});
