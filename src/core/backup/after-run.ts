import { errorMessage, type RunEvent, type RunSummary } from '@vya/plugin-api';
import { HistoryStore } from '../history/history-store.js';
import { linesOfJob, notifyJob, publishJobMetrics } from '../notify/notify-job.js';
import { pruneJobEverywhere } from '../retention/prune.js';
import type { Runtime } from '../runtime.js';

/**
 * What follows every run, from `vya backup` and from the daemon alike: notify, record in the
 * history, publish metrics, prune when the job asks for it. Nothing here can change the run's
 * own outcome; each failure is logged and, for notifiers, recorded in the history.
 */
export async function afterRun(runtime: Runtime, run: RunSummary, log: string[]): Promise<void> {
  const jobLog = linesOfJob(log, run.job);
  const event: RunEvent = { outcome: run.outcome, run, log: jobLog };
  const notifications = await notifyJob(runtime, event);
  const history = new HistoryStore(runtime.stateDir, runtime.logger);
  try {
    await history.append({ kind: 'run', run, notifications });
  } catch (error) {
    runtime.logger.warn(`the run is not recorded: ${errorMessage(error)}`);
  }
  await pruneAfterRun(runtime, run);
  await publishJobMetrics(runtime, history, { run });
}

/** `prune: true`: after a run in which every unit succeeded, apply the job's retention. */
async function pruneAfterRun(runtime: Runtime, run: RunSummary): Promise<void> {
  const job = runtime.config.jobs[run.job];
  if (!job?.prune || run.outcome !== 'succeeded') return;
  try {
    for (const report of await pruneJobEverywhere(runtime, run.job, { dryRun: false, lockWaitMs: 60_000 })) {
      runtime.logger.info(`${run.job}: pruned ${report.removed} snapshot(s) in sink ${report.sink}, kept ${report.kept}`);
    }
  } catch (error) {
    // The backup itself succeeded; a failed prune is reported, and retried by the next run.
    runtime.logger.warn(`${run.job}: prune after backup failed: ${runtime.redactor.redact(errorMessage(error))}`);
  }
}
