import type { DrillSummary } from '../../plugin-api/index.js';
import { parseDurationMs } from '../retention/duration.js';
import type { Runtime } from '../runtime.js';
import { afterDrill } from './after-drill.js';
import { drillJob } from './run-drills.js';

/**
 * A drill started by `vya daemon`: the job's drill.into, identities from $VYA_AGE_IDENTITY,
 * aborted after drill.schedule.timeout. Recorded and notified like any drill; no retries (a
 * failed drill is a finding to look at, not a hiccup to paper over).
 */
export async function runScheduledDrill(runtime: Runtime, job: string, signal: AbortSignal): Promise<DrillSummary> {
  const timeout = runtime.config.jobs[job].drill?.schedule?.timeout;
  const bounded = timeout ? AbortSignal.any([signal, AbortSignal.timeout(parseDurationMs(timeout))]) : signal;
  const stopCapture = runtime.logger.capture();
  const summary = await drillJob(runtime, job, { keep: false, identityFiles: [], signal: bounded });
  await afterDrill(runtime, summary, stopCapture());
  return summary;
}
