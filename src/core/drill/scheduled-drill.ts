import type { DrillSummary } from '@vya/plugin-api';
import { parseDurationMs } from '../retention/duration.js';
import { abortableSleep } from '../schedule/scheduled-run.js';
import type { Runtime } from '../runtime.js';
import { afterDrill } from './after-drill.js';
import { drillJob } from './run-drills.js';

/**
 * A drill on its schedule, the same under `vya daemon`, a systemd timer and cron (`vya drill
 * --scheduled`): a random delay of up to jitter_seconds, the job's drill.into, identities from
 * -i or $VYA_AGE_IDENTITY, aborted (scratch dropped) after drill.schedule.timeout. Recorded and
 * notified like any drill; no retries (a failed drill is a finding, not a hiccup).
 */
export async function runScheduledDrill(runtime: Runtime, job: string, signal: AbortSignal, identityFiles: string[] = []): Promise<DrillSummary> {
  const schedule = runtime.config.jobs[job].drill?.schedule;
  await abortableSleep(Math.random() * (schedule?.jitter_seconds ?? 0) * 1000, signal);
  const timeout = schedule?.timeout;
  const bounded = timeout ? AbortSignal.any([signal, AbortSignal.timeout(parseDurationMs(timeout))]) : signal;
  const stopCapture = runtime.logger.capture();
  const summary = await drillJob(runtime, job, { keep: false, identityFiles, signal: bounded });
  await afterDrill(runtime, summary, stopCapture());
  return summary;
}
