import type { DrillSummary, ReportModel, ReportUnit, RunSummary } from '@vya/plugin-api';
import { addProvenRestores } from './proven-restores.js';

/** The unit name under which failures of a job as a whole (before any unit) are shown. */
const JOB_ITSELF = '(job)';

export interface ReportOptions {
  since: Date;
  until: Date;
  jobs?: string[];
  staleAfterHours: number;
  host: string;
  title?: string;
}

/** The run history shaped for report templates: totals, per-job success, unit freshness, runs, failures. */
export function buildReportModel(history: RunSummary[], options: ReportOptions, drills: DrillSummary[] = []): ReportModel {
  const inJobs = (run: RunSummary) => !options.jobs?.length || options.jobs.includes(run.job);
  const runs = history.filter((run) => inJobs(run) && Date.parse(run.startedAt) >= options.since.getTime() && Date.parse(run.startedAt) <= options.until.getTime());
  const count = (outcome: string) => runs.filter((run) => run.outcome === outcome).length;
  const jobNames = [...new Set(runs.map((run) => run.job))].sort();
  // Freshness looks at the whole history: a unit last backed up before the window is stale, not unknown.
  const lastGood = lastSuccessPerUnit(history.filter(inJobs));
  return {
    title: options.title ?? 'vya backup report',
    generatedAt: options.until.toISOString(),
    since: options.since.toISOString(),
    until: options.until.toISOString(),
    host: options.host,
    totals: {
      runs: runs.length,
      succeeded: count('succeeded'),
      failed: count('failed'),
      partial: count('partial'),
      successRate: runs.length ? count('succeeded') / runs.length : 0,
      rawBytes: sum(runs.map((run) => run.totals.rawBytes)),
      storedBytes: sum(runs.map((run) => run.totals.storedBytes)),
    },
    jobs: jobNames.map((job) => {
      const jobRuns = runs.filter((run) => run.job === job);
      const succeeded = jobRuns.filter((run) => run.outcome === 'succeeded').length;
      const units = [...lastGood.values()].filter((unit) => unit.job === job).map((unit) => freshness(unit, options));
      const failedUnits = new Set(jobRuns.flatMap((run) => run.units.filter((u) => u.status === 'failed').map((u) => u.unit)));
      for (const unit of failedUnits) if (!units.some((u) => u.unit === unit)) units.push({ job, unit, stale: true });
      // A job that failed before reaching any unit (a server down from the start) has never had a good snapshot.
      if (units.length === 0) units.push({ job, unit: JOB_ITSELF, stale: true });
      addProvenRestores(units, drills, job, options.until);
      return { job, runs: jobRuns.length, succeeded, successRate: jobRuns.length ? succeeded / jobRuns.length : 0, units: units.sort((a, b) => a.unit.localeCompare(b.unit)) };
    }),
    runs: runs.map((run) => ({
      runId: run.runId,
      job: run.job,
      outcome: run.outcome,
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      rawBytes: run.totals.rawBytes,
      storedBytes: run.totals.storedBytes,
      units: run.totals.units,
      failed: run.totals.failed,
    })),
    failures: runs.flatMap((run) => [
      ...(run.error ? [{ runId: run.runId, job: run.job, unit: JOB_ITSELF, at: run.startedAt, error: run.error }] : []),
      ...run.units.filter((unit) => unit.status !== 'succeeded').map((unit) => ({ runId: run.runId, job: run.job, unit: unit.unit, at: unit.startedAt, error: unit.error ?? 'failed' })),
    ]),
  };
}

function lastSuccessPerUnit(history: RunSummary[]): Map<string, { job: string; unit: string; at: string; snapshotId?: string }> {
  const last = new Map<string, { job: string; unit: string; at: string; snapshotId?: string }>();
  for (const run of history) {
    for (const unit of run.units) {
      if (unit.status !== 'succeeded') continue;
      const key = `${run.job}\u0000${unit.unit}`;
      const previous = last.get(key);
      if (!previous || previous.at < unit.finishedAt) last.set(key, { job: run.job, unit: unit.unit, at: unit.finishedAt, snapshotId: unit.snapshotId });
    }
  }
  return last;
}

function freshness(unit: { job: string; unit: string; at: string; snapshotId?: string }, options: ReportOptions): ReportUnit {
  const ageHours = (options.until.getTime() - Date.parse(unit.at)) / 3_600_000;
  return { job: unit.job, unit: unit.unit, lastSuccessAt: unit.at, lastSnapshotId: unit.snapshotId, ageHours: Math.round(ageHours * 10) / 10, stale: ageHours > options.staleAfterHours };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
