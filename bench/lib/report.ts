import { median, type Sample } from './measure.js';
import type { DatasetSizes } from './datasets.js';
import { judge, type Target, type Verdict } from './targets.js';

export interface ScenarioResult {
  id: string;
  title: string;
  target?: Target;
  vya: Sample[];
  reference: Sample[];
  bytes?: number;
  error?: string;
}

export interface SideSummary {
  wall: number;
  cpu: number;
  /** Median CPU seconds of the database servers during the side's runs. */
  serverCpu: number;
  mbPerS?: number;
  vyaRssMiB?: number;
}

export interface Report {
  date: string;
  settings: { scale: number; runs: number; warmups: number; sizes: DatasetSizes; node: string; cores: string };
  load: { min: number; max: number };
  scenarios: {
    id: string;
    title: string;
    target?: string;
    bytes?: number;
    /** Timed runs of each side (a scenario's minRuns can make it more than settings.runs). */
    runs: number;
    vya?: SideSummary;
    reference?: SideSummary;
    ratio?: { wall: number; cpu: number };
    /** Whether the target was met, what missed, and for a miss what the same run measured about it. */
    verdict?: Verdict;
    error?: string;
    samples: { vya: Sample[]; reference: Sample[] };
  }[];
}

function side(samples: Sample[], bytes: number | undefined): SideSummary | undefined {
  if (samples.length === 0) return undefined;
  const wall = median(samples.map((s) => s.wall));
  const rss = samples.map((s) => s.vyaRssMiB).filter((v): v is number => v !== undefined);
  return {
    wall,
    cpu: median(samples.map((s) => s.cpu)),
    serverCpu: median(samples.map((s) => s.serverCpu ?? 0)),
    ...(bytes ? { mbPerS: bytes / 1e6 / wall } : {}),
    ...(rss.length ? { vyaRssMiB: Math.max(...rss) } : {}),
  };
}

export function summarize(results: ScenarioResult[], settings: Report['settings']): Report {
  const loads = results.flatMap((r) => [...r.vya, ...r.reference].map((s) => s.load));
  const scenarios: Report['scenarios'] = results.map((r) => {
    const vya = side(r.vya, r.bytes);
    const reference = side(r.reference, r.bytes);
    return {
      id: r.id,
      title: r.title,
      target: r.target?.text,
      bytes: r.bytes,
      runs: r.vya.length,
      vya,
      reference,
      ...(vya && reference ? { ratio: { wall: vya.wall / reference.wall, cpu: vya.cpu / reference.cpu } } : {}),
      ...(r.error ? { error: r.error } : {}),
      samples: { vya: r.vya, reference: r.reference },
    };
  });
  // Judged once all are summarized: a miss's context reads other scenarios of the same run.
  results.forEach((r, i) => {
    const verdict = r.target && judge(scenarios[i], r.target, scenarios, Number(settings.cores));
    if (verdict) scenarios[i].verdict = verdict;
  });
  return {
    date: new Date().toISOString(),
    settings,
    load: { min: loads.length ? Math.min(...loads) : 0, max: loads.length ? Math.max(...loads) : 0 },
    scenarios,
  };
}

const f = (value: number | undefined, digits = 2) => (value === undefined ? '' : value.toFixed(digits));

export function renderMarkdown(report: Report): string {
  const { settings } = report;
  const lines = [
    `# vya bench, ${report.date}`,
    '',
    `Scale ${settings.scale} (pgbench -s ${settings.sizes.pgbenchScale} + ${settings.sizes.pgOrders} orders; MariaDB ${settings.sizes.mariadbOrders} orders; ${settings.sizes.smallFiles} small files + ${settings.sizes.largeFiles} × ${(settings.sizes.largeFileBytes / 1024 ** 2).toFixed(0)} MiB; ${settings.sizes.smallDatabases} small databases; ${(settings.sizes.bigDumpBytes / 1024 ** 3).toFixed(2)} GiB dump), median of ${settings.runs} alternating runs after ${settings.warmups} untimed warm-up run${settings.warmups === 1 ? '' : 's'}, Node ${settings.node}, ${settings.cores} cores, load average ${report.load.min}–${report.load.max} during the runs.`,
    '',
    'CPU = user + system seconds of every process of the side (dump tool, zstd, age, vya and its children). Server CPU = what the PostgreSQL and MariaDB servers spent meanwhile, on the same cores but in no column of CPU. RSS = peak of the vya node process. Ratio = vya / reference.',
    '',
    '| scenario | vya wall s | vya CPU s | vya server CPU s | vya RSS MiB | vya MB/s | ref wall s | ref CPU s | ref server CPU s | ratio wall | ratio CPU | target | met |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of report.scenarios) {
    if (s.error) {
      lines.push(`| ${s.id} | failed: ${s.error.replace(/\|/g, '/')} | | | | | | | | | | ${s.target ?? ''} | no |`);
      continue;
    }
    lines.push(`| ${s.id} | ${f(s.vya?.wall)} | ${f(s.vya?.cpu)} | ${f(s.vya?.serverCpu)} | ${f(s.vya?.vyaRssMiB, 0)} | ${f(s.vya?.mbPerS, 0)} | ${f(s.reference?.wall)} | ${f(s.reference?.cpu)} | ${f(s.reference?.serverCpu)} | ${f(s.ratio?.wall)} | ${f(s.ratio?.cpu)} | ${s.target ?? ''} | ${metCell(s.verdict)} |`);
  }
  lines.push('', ...report.scenarios.map((s) => `- **${s.id}**${s.runs > settings.runs ? ` (${String(s.runs)} runs)` : ''}: ${s.title}`), '', ...missedTargets(report));
  return lines.join('\n');
}

function metCell(verdict: Verdict | undefined): string {
  if (!verdict) return '';
  return verdict.met ? 'yes' : `**no** (${verdict.misses.join(', ')})`;
}

/** Each missed target with what the same run measured about it. */
function missedTargets(report: Report): string[] {
  const missed = report.scenarios.filter((s) => s.verdict && !s.verdict.met);
  if (missed.length === 0) return report.scenarios.some((s) => s.verdict) ? ['Every target of this run was met.', ''] : [];
  return ['## Targets not met in this run', '', ...missed.map((s) => `- **${s.id}** (${s.verdict?.misses.join(', ') ?? ''})${s.verdict?.context ? `: ${s.verdict.context}` : ''}.`), ''];
}
