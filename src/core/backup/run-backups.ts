import { errorMessage, VyaError, type RunSummary } from '@vya/plugin-api';
import { jobSinks } from '../config/job-sinks.js';
import type { ProgressLine } from '../progress.js';
import type { Runtime } from '../runtime.js';
import { afterRun } from './after-run.js';
import { runScheduledJob } from '../schedule/scheduled-run.js';
import { planJob, runJob, type DryRunPlan } from './run-job.js';
import { abortWhenIdle } from './stall-guard.js';

export interface BackupCommandResult {
  ok: boolean;
  runs?: RunSummary[];
  plans?: DryRunPlan[];
}

export interface BackupOptions {
  dryRun: boolean;
  signal: AbortSignal;
  vyaVersion: string;
  progress?: ProgressLine;
  /** Apply each job's schedule settings (jitter, timeout, retries), as `vya daemon` does. */
  scheduled?: boolean;
}

/** `vya backup [JOB...]`: the named jobs (or all), one after another. */
export async function runBackups(runtime: Runtime, jobNames: string[], options: BackupOptions): Promise<BackupCommandResult> {
  const names = jobNames.length > 0 ? jobNames : Object.keys(runtime.config.jobs);
  if (names.length === 0) throw new VyaError('the config defines no jobs', { code: 'NO_JOBS', exitCode: 2, hint: 'add a job under "jobs:" (see `vya init`)' });
  const unknown = names.filter((name) => !(name in runtime.config.jobs));
  if (unknown.length > 0) {
    throw new VyaError(`no job named "${unknown[0]}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: `defined jobs: ${Object.keys(runtime.config.jobs).join(', ') || 'none'}` });
  }
  if (options.dryRun) {
    const plans: DryRunPlan[] = [];
    for (const name of names) plans.push(await planOrProblem(runtime, name, options.signal));
    return { ok: plans.every((plan) => plan.error === undefined), plans };
  }
  const runs: RunSummary[] = [];
  for (const name of names) {
    if (options.signal.aborted) break;
    if (options.scheduled) {
      const attempts = await runScheduledJob(runtime, name, options);
      if (attempts.length > 0) runs.push(attempts[attempts.length - 1]);
      continue;
    }
    const stopCapture = runtime.logger.capture();
    const idle = abortWhenIdle();
    const run = await runJob(runtime, name, { ...options, signal: AbortSignal.any([options.signal, idle.signal]) }).finally(idle.dispose);
    runs.push(run);
    await afterRun(runtime, run, stopCapture());
  }
  return { ok: runs.length === names.length && runs.every((run) => run.outcome === 'succeeded'), runs };
}


/** One job that cannot be planned (its server is down, say) must not hide the plans of the others. */
async function planOrProblem(runtime: Runtime, name: string, signal: AbortSignal): Promise<DryRunPlan> {
  try {
    return await planJob(runtime, name, signal);
  } catch (error) {
    const job = runtime.config.jobs[name];
    return { job: name, source: job.source, sink: job.sink, sinks: jobSinks(job), units: [], error: runtime.redactor.redact(errorMessage(error)) };
  }
}
