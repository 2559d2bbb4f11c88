import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

interface CheckItem {
  name: string;
  ok: boolean;
  detail: string;
}

describe('vya check finds at check time what would fail at backup time', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => (dir = await tempDir('vya-e2e-check-')));
  after(async () => dir.cleanup());

  it('an include naming a database that does not exist fails, for PostgreSQL and MariaDB', async () => {
    const config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: [vya_does_not_exist] }
  my: { type: mysql, host: 127.0.0.1, username: root, include: [vya_does_not_exist_either] }
  data: { type: files, paths: [${dir.path}] }
  down: { type: mysql, host: 127.0.0.1, port: 1, username: root }
sinks: { repo: { type: local, path: ${join(dir.path, 'repo')} } }
jobs: { a: { source: data, sink: repo } }
`,
    );
    const result = await runVya(['check', '--json', '--config', config], { env: { VYA_STATE_DIR: join(dir.path, 'state') } });
    expect(result.code).to.equal(1);
    const { checks } = parseJson<{ checks: CheckItem[] }>(result);
    const units = (name: string) => checks.find((item) => item.name === `source ${name}: units`);
    expect(units('pg')).to.include({ ok: false });
    expect(units('pg')!.detail).to.match(/not found on the server: vya_does_not_exist$/);
    expect(units('my')).to.include({ ok: false });
    expect(units('my')!.detail).to.match(/vya_does_not_exist_either/);
    expect(units('data')).to.include({ ok: true });
    expect(units('data')!.detail).to.match(/^1 to back up: /);
    expect(units('down'), 'an unreachable server is reported once, by its own check').to.equal(undefined);
    expect(checks.filter((item) => item.name.startsWith('source down') && !item.ok)).to.have.length.greaterThan(0);
  });
});
