import { expect } from 'chai';
import type { Sample } from '../../bench/lib/measure.js';
import { renderMarkdown, summarize, type ScenarioResult } from '../../bench/lib/report.js';
import type { DatasetSizes } from '../../bench/lib/datasets.js';
import { SCENARIOS } from '../../bench/lib/scenarios.js';

const sample = (wall: number, cpu: number, extra: Partial<Sample> = {}): Sample => ({ wall, cpu, user: cpu, sys: 0, serverCpu: 0, load: 1, ...extra });
const sizes = { pgbenchScale: 1, pgOrders: 1, mariadbOrders: 1, smallFiles: 1, largeFiles: 1, largeFileBytes: 1, smallDatabases: 1, bigDumpBytes: 1 } as DatasetSizes;
const settings = { scale: 1, runs: 3, warmups: 1, sizes, node: 'v22', cores: '2' };

/** Three runs a side, the medians being the middle values given. */
function scenario(id: string, vya: Sample, reference?: Sample, target?: ScenarioResult['target']): ScenarioResult {
  const three = (s: Sample) => [{ ...s, wall: s.wall * 0.9 }, s, { ...s, wall: s.wall * 1.2 }];
  return { id, title: id, target, vya: three(vya), reference: reference ? three(reference) : [] };
}

describe('bench report: every target judged in the results file', () => {
  const ratio110 = { text: 'ratio ≤ 1.10', wallRatio: 1.1, cpuRatio: 1.1 };

  it('a scenario within its ratios and RSS is met; over either ratio or the RSS it is not, naming what missed', () => {
    const report = summarize(
      [
        scenario('pg-backup', sample(10.5, 11, { vyaRssMiB: 140 }), sample(10, 10), { ...ratio110, rssMiB: 150 }),
        scenario('mariadb-backup', sample(11.6, 10), sample(10, 10), ratio110),
        scenario('big-dump', sample(30, 60, { vyaRssMiB: 151 }), sample(30, 60), { text: 'RSS', rssMiB: 150 }),
        scenario('pg-backup-gzip', sample(20, 20), sample(10, 10)),
      ],
      settings,
    );
    const verdicts = Object.fromEntries(report.scenarios.map((s) => [s.id, s.verdict]));
    expect(verdicts['pg-backup']).to.deep.equal({ met: true, misses: [] });
    expect(verdicts['mariadb-backup']).to.include({ met: false }).and.to.have.deep.property('misses', ['wall 1.16 > 1.10']);
    expect(verdicts['big-dump']?.misses).to.deep.equal(['RSS MiB 151 > 150']);
    expect(verdicts['pg-backup-gzip'], 'no target, no verdict').to.equal(undefined);
    const markdown = renderMarkdown(report);
    expect(markdown).to.include('median of 3 alternating runs after 1 untimed warm-up run, Node v22');
    expect(markdown).to.match(/^\| pg-backup \|.*\| ratio ≤ 1\.10 \| yes \|$/m);
    expect(markdown).to.match(/^\| mariadb-backup \|.*\| \*\*no\*\* \(wall 1\.16 > 1\.10\) \|$/m);
    expect(markdown).to.include(
      "## Targets not met in this run\n\n- **mariadb-backup** (wall 1.16 > 1.10): with the database server's CPU, which runs on the same cores, the sides spent 10.00 and 10.00 CPU s (1.00).\n- **big-dump** (RSS MiB 151 > 150).",
    );
  });

  it('a miss that a design choice or the machine bounds carries what the same run measured about it', () => {
    const report = summarize(
      [
        scenario('files-backup', sample(3.5, 5.7), sample(3.0, 5.5), ratio110),
        scenario('mariadb-backup', sample(8.0, 10.5, { serverCpu: 2.8 }), sample(7.0, 9.9, { serverCpu: 2.5 }), ratio110),
        scenario('pg-restore-jobs2', sample(11.5, 5.3), sample(9.0, 2.7), { text: 'ratio ≤ 1.15', wallRatio: 1.15, cpuRatio: 1.15 }),
        scenario('pg-restore-jobs2-decrypting', sample(11.3, 4.7), sample(10.5, 4.1)),
        scenario('small-dbs', sample(12, 12.7, { serverCpu: 8.7 }), sample(18, 11, { serverCpu: 8.9 }), { text: '≤ 0.5', wallRatio: 0.5 }),
        scenario('node-start', sample(0.05, 0.04)),
        scenario('startup', sample(0.4, 0.45), undefined, { text: '≤ 0.32 s', wallS: 0.32 }),
      ],
      settings,
    );
    const context = Object.fromEntries(report.scenarios.map((s) => [s.id, s.verdict?.context]));
    expect(context['files-backup']).to.equal("vya's fixed start-up (a one-file backup: 0.40 s) is 13% of the reference's 3.00 s; the rest of vya's run takes 1.03 × the reference's time");
    expect(context['mariadb-backup']).to.equal(
      "vya's fixed start-up (a one-file backup: 0.40 s) is 6% of the reference's 7.00 s; the rest of vya's run takes 1.09 × the reference's time; with the database server's CPU, which runs on the same cores, the sides spent 13.30 and 12.40 CPU s (1.07)",
    );
    expect(context['pg-restore-jobs2']).to.match(/against one that also decrypts \(pg-restore-jobs2-decrypting\) the ratios are 1\.08 wall \/ 1\.15 CPU$/);
    // (11 + 8.9) / 18 = 1.11 cores at concurrency 1: two cores allow at most 1.81 × faster.
    expect(context['small-dbs']).to.equal('at concurrency 1, vya and the server already kept 1.11 cores busy, at concurrency 4 1.78: on 2 cores no concurrency can make it more than 1.81 × faster (ratio ≥ 0.55)');
    expect(context.startup).to.equal('on this machine `node -e 0` alone takes 0.05 s (node-start)');
    expect(report.scenarios.find((s) => s.id === 'startup')?.verdict?.misses).to.deep.equal(['wall s 0.40 > 0.32']);
  });

  it("a start-up row is judged against issue 16's tree where that ran, on its absolute time where it did not", () => {
    const target = (id: string) => SCENARIOS.find((s) => s.id === id)?.target;
    const fifteen = (s: Sample) => Array.from({ length: 15 }, () => s);
    const report = summarize(
      [
        { id: 'startup', title: 'startup', target: target('startup'), vya: fifteen(sample(0.4, 0.42)), reference: fifteen(sample(0.7, 0.85)) },
        { id: 'version', title: 'version', target: target('version'), vya: fifteen(sample(0.15, 0.15)), reference: fifteen(sample(0.14, 0.15)) },
        { ...scenario('node-start', sample(0.04, 0.04)) },
      ],
      settings,
    );
    const verdicts = Object.fromEntries(report.scenarios.map((s) => [s.id, s.verdict]));
    expect(verdicts.startup, "0.40 s is over the issue machine's 0.32 s, but faster than its tree here").to.deep.equal({ met: true, misses: [] });
    expect(verdicts.version?.misses).to.deep.equal(['wall 1.07 > 1.00']);
    const alone = summarize([{ id: 'version', title: 'version', target: target('version'), vya: fifteen(sample(0.15, 0.15)), reference: [] }], settings);
    expect(alone.scenarios[0].verdict, 'no baseline: the absolute 0.16 s').to.deep.equal({ met: true, misses: [] });
    const markdown = renderMarkdown(report);
    expect(markdown).to.include('- **startup** (15 runs): startup').and.to.include('- **node-start**: node-start');
  });

  it('a failed scenario is not met; a run where all targets hold says so', () => {
    const failed = summarize([{ ...scenario('pg-verify', sample(1, 1), sample(2, 2), ratio110), error: 'pg_dump: connection refused' }], settings);
    expect(renderMarkdown(failed)).to.match(/^\| pg-verify \| failed: pg_dump: connection refused \|.*\| no \|$/m);
    expect(renderMarkdown(failed)).to.include('- **pg-verify** (the scenario failed).').and.not.to.include('Every target');
    const allMet = summarize([scenario('pg-verify', sample(1, 1), sample(2, 2), ratio110)], settings);
    expect(renderMarkdown(allMet)).to.include('Every target of this run was met.');
  });
});
