import type { RunSummary } from '@vya/plugin-api';
import { afterRun } from '../backup/after-run.js';
import { runJob } from '../backup/run-job.js';
import { onlyUnread } from '../backup/unread-entries.js';
import { parseDurationMs } from '../retention/duration.js';
import type { Runtime } from '../runtime.js';

export interface ScheduledRunOptions {
  vyaVersion: string;
  signal: AbortSignal;
  /** Delay before retry n (1-based); by default `retry_delay` (30 s), doubled for each retry. */
  retryDelayMs?: (attempt: number) => number;
  onRun?: (run: RunSummary, attempt: number) => void;
}

/**
 * One scheduled run of a job, the same under `vya daemon`, a systemd timer and cron
 * (`vya backup --scheduled`): a random delay of up to `jitter_seconds`, then up to
 * 1 + `retries` attempts with backoff, each aborted cleanly after `timeout`. Every attempt is
 * recorded and notified. Returns the attempts' runs; the last one is the outcome.
 */
export async function runScheduledJob(runtime: Runtime, name: string, options: ScheduledRunOptions): Promise<RunSummary[]> {
  const schedule = runtime.config.jobs[name].schedule;
  const retries = schedule?.retries ?? 0;
  const runs: RunSummary[] = [];
  await abortableSleep(Math.random() * (schedule?.jitter_seconds ?? 0) * 1000, options.signal);
  for (let attempt = 1; attempt <= retries + 1 && !options.signal.aborted; attempt++) {
    const stopCapture = runtime.logger.capture();
    const run = await attemptWithTimeout(runtime, name, options);
    runs.push(run);
    options.onRun?.(run, attempt);
    await afterRun(runtime, run, stopCapture());
    if (run.outcome === 'succeeded' || attempt > retries) break;
    if (!retryCouldHelp(run)) {
      runtime.logger.warn(`${name}: run ${run.outcome} only for entries its source could not read; not retried, a retry would not read them either`);
      break;
    }
    const delay = options.retryDelayMs?.(attempt) ?? parseDurationMs(schedule?.retry_delay ?? '30s') * 2 ** (attempt - 1);
    runtime.logger.warn(`${name}: run ${run.outcome}; retry ${attempt} of ${retries} in ${Math.round(delay / 1000)} s`);
    await abortableSleep(delay, options.signal);
  }
  return runs;
}

/** Whether anything went wrong that another attempt might not meet again. */
function retryCouldHelp(run: RunSummary): boolean {
  return run.error !== undefined || run.units.some((unit) => unit.status !== 'succeeded' && !onlyUnread(unit));
}

async function attemptWithTimeout(runtime: Runtime, name: string, options: ScheduledRunOptions): Promise<RunSummary> {
  const timeout = runtime.config.jobs[name].schedule?.timeout;
  const signals = [options.signal];
  if (timeout) signals.push(AbortSignal.timeout(parseDurationMs(timeout)));
  const signal = AbortSignal.any(signals);
  const run = await runJob(runtime, name, { signal, vyaVersion: options.vyaVersion });
  if (timeout && signal.aborted && !options.signal.aborted) runtime.logger.error(`${name}: aborted after its timeout of ${timeout}`);
  return run;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
