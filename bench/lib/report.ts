import { median, type Sample } from './measure.js';
import type { DatasetSizes } from './datasets.js';

export interface ScenarioResult {
  id: string;
  title: string;
  target?: string;
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
  settings: { scale: number; runs: number; sizes: DatasetSizes; node: string; cores: string };
  load: { min: number; max: number };
  scenarios: {
    id: string;
    title: string;
    target?: string;
    bytes?: number;
    vya?: SideSummary;
    reference?: SideSummary;
    ratio?: { wall: number; cpu: number };
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
  return {
    date: new Date().toISOString(),
    settings,
    load: { min: loads.length ? Math.min(...loads) : 0, max: loads.length ? Math.max(...loads) : 0 },
    scenarios: results.map((r) => {
      const vya = side(r.vya, r.bytes);
      const reference = side(r.reference, r.bytes);
      return {
        id: r.id,
        title: r.title,
        target: r.target,
        bytes: r.bytes,
        vya,
        reference,
        ...(vya && reference ? { ratio: { wall: vya.wall / reference.wall, cpu: vya.cpu / reference.cpu } } : {}),
        ...(r.error ? { error: r.error } : {}),
        samples: { vya: r.vya, reference: r.reference },
      };
    }),
  };
}

const f = (value: number | undefined, digits = 2) => (value === undefined ? '' : value.toFixed(digits));

export function renderMarkdown(report: Report): string {
  const { settings } = report;
  const lines = [
    `# vya bench, ${report.date}`,
    '',
    `Scale ${settings.scale} (pgbench -s ${settings.sizes.pgbenchScale} + ${settings.sizes.pgOrders} orders; MariaDB ${settings.sizes.mariadbOrders} orders; ${settings.sizes.smallFiles} small files + ${settings.sizes.largeFiles} × ${(settings.sizes.largeFileBytes / 1024 ** 2).toFixed(0)} MiB; ${settings.sizes.smallDatabases} small databases; ${(settings.sizes.bigDumpBytes / 1024 ** 3).toFixed(2)} GiB dump), median of ${settings.runs} alternating runs, Node ${settings.node}, ${settings.cores} cores, load average ${report.load.min}–${report.load.max} during the runs.`,
    '',
    'CPU = user + system seconds of every process of the side (dump tool, zstd, age, vya and its children). Server CPU = what the PostgreSQL and MariaDB servers spent meanwhile, on the same cores but in no column of CPU. RSS = peak of the vya node process. Ratio = vya / reference.',
    '',
    '| scenario | vya wall s | vya CPU s | vya server CPU s | vya RSS MiB | vya MB/s | ref wall s | ref CPU s | ref server CPU s | ratio wall | ratio CPU | target |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of report.scenarios) {
    if (s.error) {
      lines.push(`| ${s.id} | failed: ${s.error.replace(/\|/g, '/')} | | | | | | | | | | ${s.target ?? ''} |`);
      continue;
    }
    lines.push(`| ${s.id} | ${f(s.vya?.wall)} | ${f(s.vya?.cpu)} | ${f(s.vya?.serverCpu)} | ${f(s.vya?.vyaRssMiB, 0)} | ${f(s.vya?.mbPerS, 0)} | ${f(s.reference?.wall)} | ${f(s.reference?.cpu)} | ${f(s.reference?.serverCpu)} | ${f(s.ratio?.wall)} | ${f(s.ratio?.cpu)} | ${s.target ?? ''} |`);
  }
  lines.push('', ...report.scenarios.map((s) => `- **${s.id}**: ${s.title}`), '');
  return lines.join('\n');
}
