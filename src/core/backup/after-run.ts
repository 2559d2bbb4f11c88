import { errorMessage, type RunSummary } from '../../plugin-api/index.js';
import { pruneJob } from '../retention/prune.js';
import type { Runtime } from '../runtime.js';

/**
 * What follows every run, from `vya backup` and from the daemon alike: pruning when the job
 * asks for it. A failure here is logged and never changes the run's own outcome.
 */
export async function afterRun(runtime: Runtime, run: RunSummary): Promise<void> {
  await pruneAfterRun(runtime, run);
}

/** `prune: true`: after a run in which every unit succeeded, apply the job's retention. */
async function pruneAfterRun(runtime: Runtime, run: RunSummary): Promise<void> {
  const job = runtime.config.jobs[run.job];
  if (!job?.prune || run.outcome !== 'succeeded') return;
  try {
    const report = await pruneJob(runtime, run.job, { dryRun: false, lockWaitMs: 60_000 });
    runtime.logger.info(`${run.job}: pruned ${report.removed} snapshot(s), kept ${report.kept}`);
  } catch (error) {
    // The backup itself succeeded; a failed prune is reported, and retried by the next run.
    runtime.logger.warn(`${run.job}: prune after backup failed: ${runtime.redactor.redact(errorMessage(error))}`);
  }
}
