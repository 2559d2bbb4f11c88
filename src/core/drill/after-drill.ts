import { errorMessage, type DrillSummary, type RunEvent, type RunSummary } from '@vya/plugin-api';
import { HistoryStore } from '../history/history-store.js';
import { linesOfJob, notifyJob, publishJobMetrics } from '../notify/notify-job.js';
import type { Runtime } from '../runtime.js';

/** What follows every drill, as after a backup: notify, record in the history, publish metrics. */
export async function afterDrill(runtime: Runtime, drill: DrillSummary, log: string[]): Promise<void> {
  const jobLog = linesOfJob(log, drill.job);
  const event: RunEvent = { outcome: drill.outcome, kind: 'drill', drill, run: drillAsRun(drill), log: jobLog };
  const notifications = await notifyJob(runtime, event);
  const history = new HistoryStore(runtime.stateDir, runtime.logger);
  try {
    await history.append({ kind: 'drill', drill, notifications });
  } catch (error) {
    runtime.logger.warn(`the drill is not recorded: ${errorMessage(error)}`);
  }
  await publishJobMetrics(runtime, history, { drill });
}

/** The drill in the shape every notifier already formats: a unit succeeded when its drill passed. */
export function drillAsRun(drill: DrillSummary): RunSummary {
  const units = drill.units.filter((unit) => unit.status !== 'skipped').map((unit) => ({
    job: unit.job,
    source: unit.into ?? '',
    sink: unit.sink,
    unit: unit.unit,
    status: unit.status === 'passed' ? ('succeeded' as const) : ('failed' as const),
    snapshotId: unit.snapshotId,
    startedAt: unit.startedAt,
    finishedAt: unit.finishedAt,
    durationMs: unit.restoreMs ?? 0,
    rawBytes: 0,
    storedBytes: 0,
    error: unit.status === 'failed' ? ['restore drill failed', unit.error, ...unit.problems].filter(Boolean).join('; ') : undefined,
  }));
  const succeeded = units.filter((unit) => unit.status === 'succeeded').length;
  return {
    runId: drill.runId,
    job: drill.job,
    host: drill.host,
    outcome: drill.outcome,
    startedAt: drill.startedAt,
    finishedAt: drill.finishedAt,
    durationMs: drill.durationMs,
    units,
    error: drill.error,
    totals: { units: units.length, succeeded, failed: units.length - succeeded, rawBytes: 0, storedBytes: 0 },
  };
}

