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

  it('reports every config problem in one run: structure, plugin keys, references and values', async () => {
    const config = join(dir.path, 'many.yml');
    await writeFile(
      config,
      `sources:
  pg: { type: postgres, host: 127.0.0.1, port: not-a-port }
  data: { type: files, paths: [${dir.path}] }
sinks: { repo: { type: local, path: ${join(dir.path, 'repo')}, colour: blue } }
jobs:
  a: { source: data }
  b: { source: nope, sink: repo }
  c: { source: data, sink: repo, schedule: { cron: "0 2 * * * * * *" } }
`,
    );
    const result = await runVya(['check', '--config', config], { env: { VYA_STATE_DIR: join(dir.path, 'state') } });
    expect(result.code).to.equal(2);
    const failed = result.stdout.split('\n').filter((line) => line.startsWith('FAIL'));
    expect(failed.join('\n')).to.match(/jobs\.a: missing required key "sink"/);
    expect(failed.join('\n')).to.match(/sources\.pg\.port: must be an integer/);
    expect(failed.join('\n')).to.match(/sinks\.repo\.colour: unknown key/);
    expect(failed.join('\n')).to.match(/jobs\.b\.source: no source named "nope"/);
    expect(failed.join('\n'), 'no noise about the job without a sink').to.not.match(/no sink named "undefined"/);
  });
});
