import type { Report, SideSummary } from './report.js';

/** Issue 16's target for a scenario, in numbers the report can check. */
export interface Target {
  text: string;
  /** vya / reference, wall time. */
  wallRatio?: number;
  /** vya / reference, CPU seconds. */
  cpuRatio?: number;
  rssMiB?: number;
  /** vya's own wall seconds: judged instead of the ratios where the run had no reference. */
  wallS?: number;
}

type Summary = Report['scenarios'][number];

export interface Verdict {
  met: boolean;
  /** What was over its limit: `wall 1.16 > 1.10`. */
  misses: string[];
  /** For a miss: what the same run measured that bears on it (see `CONTEXT`). */
  context?: string;
}

export function judge(scenario: Summary, target: Target, all: Summary[], cores: number): Verdict {
  if (scenario.error || !scenario.vya) return { met: false, misses: ['the scenario failed'] };
  const absolute = target.wallS !== undefined && !scenario.reference;
  const misses = [
    ...(absolute ? [over('wall s', scenario.vya.wall, target.wallS)] : [over('wall', scenario.ratio?.wall, target.wallRatio), over('CPU', scenario.ratio?.cpu, target.cpuRatio)]),
    over('RSS MiB', scenario.vya.vyaRssMiB, target.rssMiB, 0),
  ].filter((miss): miss is string => miss !== undefined);
  if (misses.length === 0) return { met: true, misses };
  return { met: false, misses, context: CONTEXT[scenario.id]?.(scenario, (id) => all.find((s) => s.id === id && !s.error), cores) };
}

function over(what: string, value: number | undefined, limit: number | undefined, digits = 2): string | undefined {
  if (limit === undefined) return undefined;
  if (value === undefined) return `${what}: not measured`;
  return value > limit ? `${what} ${value.toFixed(digits)} > ${limit.toFixed(digits)}` : undefined;
}

type Find = (id: string) => Summary | undefined;

/** Cores busy on a side: its own CPU plus the database server's, over its wall time. */
const coresBusy = (side: SideSummary) => (side.cpu + side.serverCpu) / side.wall;
const pct = (part: number, whole: number) => `${Math.round((part / whole) * 100)}%`;

/**
 * Measurements of the same run that explain a miss, for the targets that a design choice or
 * the machine bounds (docs/performance.md has the longer story).
 */
const CONTEXT: Record<string, (scenario: Summary, find: Find, cores: number) => string | undefined> = {
  'files-backup': (s, find) => startupShare(s, find),
  'pg-backup': (s, find) => databaseBackup(s, find),
  'mariadb-backup': (s, find) => databaseBackup(s, find),
  'pg-restore-jobs2': (_s, find) => {
    const fair = find('pg-restore-jobs2-decrypting')?.ratio;
    if (!fair) return undefined;
    return `the reference starts from a file already decrypted and decompressed; against one that also decrypts (pg-restore-jobs2-decrypting) the ratios are ${fair.wall.toFixed(2)} wall / ${fair.cpu.toFixed(2)} CPU`;
  },
  'small-dbs': (s, _find, cores) => {
    if (!s.vya || !s.reference) return undefined;
    const atOne = coresBusy(s.reference);
    return `at concurrency 1, vya and the server already kept ${atOne.toFixed(2)} cores busy, at concurrency 4 ${coresBusy(s.vya).toFixed(2)}: on ${String(cores)} cores no concurrency can make it more than ${(cores / atOne).toFixed(2)} × faster (ratio ≥ ${(atOne / cores).toFixed(2)})`;
  },
  version: (_s, find) => nodeStart(find),
  startup: (_s, find) => nodeStart(find),
};

function startupShare(s: Summary, find: Find): string | undefined {
  const startup = find('startup')?.vya;
  if (!startup || !s.vya || !s.reference) return undefined;
  return `vya's fixed start-up (a one-file backup: ${startup.wall.toFixed(2)} s) is ${pct(startup.wall, s.reference.wall)} of the reference's ${s.reference.wall.toFixed(2)} s; the rest of vya's run takes ${((s.vya.wall - startup.wall) / s.reference.wall).toFixed(2)} × the reference's time`;
}

/** The database server runs on the same cores but counts for neither side: what each side cost the machine. */
function databaseBackup(s: Summary, find: Find): string | undefined {
  if (!s.vya || !s.reference) return undefined;
  const vya = s.vya.cpu + s.vya.serverCpu;
  const reference = s.reference.cpu + s.reference.serverCpu;
  const machine = `with the database server's CPU, which runs on the same cores, the sides spent ${vya.toFixed(2)} and ${reference.toFixed(2)} CPU s (${(vya / reference).toFixed(2)})`;
  return [startupShare(s, find), machine].filter(Boolean).join('; ');
}

function nodeStart(find: Find): string | undefined {
  const node = find('node-start')?.vya;
  return node ? `on this machine \`node -e 0\` alone takes ${node.wall.toFixed(2)} s (node-start)` : undefined;
}
