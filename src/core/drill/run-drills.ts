import { hostname } from 'node:os';
import { errorMessage, VyaError, type DrillSummary, type DrillUnitResult } from '@vya/plugin-api';
import { jobSinks } from '../config/job-sinks.js';
import type { Manifest } from '../repository/manifest.js';
import { Repository } from '../repository/repository.js';
import { newRunId } from '../repository/snapshot-id.js';
import type { Runtime } from '../runtime.js';
import { afterDrill } from './after-drill.js';
import { drillUnit, type DrillOptions } from './drill-unit.js';
import { runScheduledDrill } from './scheduled-drill.js';

export interface DrillRequest extends DrillOptions {
  /** Only this unit of each job. */
  unit?: string;
  /** Apply each job's drill.schedule (jitter, timeout), as `vya daemon` does. */
  scheduled?: boolean;
  /** Drill the copies in this sink (default: the job's first sink). */
  sink?: string;
}

/** `vya drill [JOB...]`: each job's units, one at a time (a restore is heavy on the server). */
export async function runDrills(runtime: Runtime, jobNames: string[], request: DrillRequest): Promise<DrillSummary[]> {
  const names = jobNames.length > 0 ? jobNames : Object.keys(runtime.config.jobs);
  if (names.length === 0) throw new VyaError('the config defines no jobs', { code: 'NO_JOBS', exitCode: 2, hint: 'add a job under "jobs:" (see `vya init`)' });
  const unknown = names.find((name) => !(name in runtime.config.jobs));
  if (unknown !== undefined) throw new VyaError(`no job named "${unknown}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: `defined jobs: ${Object.keys(runtime.config.jobs).join(', ')}` });
  if (request.into !== undefined && !(request.into in runtime.config.sources)) {
    throw new VyaError(`--into "${request.into}" is not a configured source`, { code: 'RESTORE_UNKNOWN_TARGET', exitCode: 2, hint: `defined sources: ${Object.keys(runtime.config.sources).join(', ')}` });
  }
  if (request.into !== undefined) for (const name of names) await assertSameType(runtime, name, request.into);
  if (request.sink !== undefined) for (const name of names) assertJobWritesTo(runtime, name, request.sink);
  const summaries: DrillSummary[] = [];
  for (const name of names) {
    if (request.signal.aborted) break;
    if (request.scheduled) {
      summaries.push(await runScheduledDrill(runtime, name, request.signal, request.identityFiles));
      continue;
    }
    const stopCapture = runtime.logger.capture();
    const summary = await drillJob(runtime, name, request);
    summaries.push(summary);
    await afterDrill(runtime, summary, stopCapture());
  }
  return summaries;
}

/** Drills the newest snapshot of every unit of one job. Never throws. */
export async function drillJob(runtime: Runtime, jobName: string, request: DrillRequest): Promise<DrillSummary> {
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  const units: DrillUnitResult[] = [];
  let error: string | undefined;
  const sinkName = request.sink ?? jobSinks(runtime.config.jobs[jobName])[0];
  try {
    const newest = await newestSnapshots(runtime, jobName, sinkName, request.unit);
    for (const manifest of newest) {
      if (request.signal.aborted) break;
      runtime.logger.info(`${jobName}/${manifest.unit.name}: drilling snapshot ${manifest.id}`);
      const result = await drillUnit(runtime, manifest, sinkName, request);
      if (result.skipped) runtime.logger.info(`${jobName}/${manifest.unit.name}: not drilled: ${result.skipped}`);
      else runtime.logger.info(`${jobName}/${manifest.unit.name}: drill ${result.status}${result.restoreMs === undefined ? '' : `, restored in ${(result.restoreMs / 1000).toFixed(1)}s`}`);
      units.push(result);
    }
  } catch (failure) {
    error = runtime.redactor.redact(errorMessage(failure));
  }
  if (error === undefined && units.length > 0 && units.every((unit) => unit.status === 'skipped')) error = `no unit of job ${jobName} can be drilled (${units[0].skipped})`;
  const finishedAt = new Date();
  const failed = units.filter((unit) => unit.status === 'failed').length;
  const drilled = units.filter((unit) => unit.status !== 'skipped').length;
  const outcome = error !== undefined || drilled === 0 || failed === drilled ? 'failed' : failed > 0 ? 'partial' : 'succeeded';
  return { runId, job: jobName, host: hostname(), outcome, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), durationMs: finishedAt.getTime() - startedAt.getTime(), units, error };
}

/** The newest usable snapshot of each unit (or of the one asked for), by unit name. */
async function newestSnapshots(runtime: Runtime, job: string, sinkName: string, unit: string | undefined): Promise<Manifest[]> {
  const repository = new Repository(await runtime.sink(sinkName), sinkName, runtime.logger);
  const scan = await repository.scanSnapshots({ job, unit });
  for (const problem of scan.problems) runtime.logger.warn(`${job}: ${problem.error} (not drilled)`);
  const newest = new Map<string, Manifest>();
  for (const manifest of scan.manifests) newest.set(manifest.unit.name, manifest);
  if (newest.size === 0) {
    const what = unit === undefined ? `job "${job}"` : `unit "${unit}" of job "${job}"`;
    throw new VyaError(`no snapshot of ${what} in sink ${sinkName} to drill`, { code: 'NO_SNAPSHOT', hint: unit === undefined ? `run vya backup ${job} first` : '`vya snapshots --job` lists the units that have snapshots' });
  }
  return [...newest.values()].sort((a, b) => a.unit.name.localeCompare(b.unit.name));
}

/**
 * --into must be able to take every named job's database snapshots: a mismatch is a usage
 * error, before any drill. Jobs whose snapshots restore into a directory (files) ignore it.
 */
async function assertSameType(runtime: Runtime, job: string, into: string): Promise<void> {
  const own = runtime.config.jobs[job].source;
  if ((await runtime.source(own).catch(() => undefined))?.restoresInto === 'directory') return;
  const wanted = runtime.config.sources[own]?.type;
  const given = runtime.config.sources[into].type;
  if (wanted !== undefined && wanted !== given) {
    throw new VyaError(`cannot drill job ${job} (${wanted} snapshots) into source "${into}" of type ${given}`, { code: 'RESTORE_TYPE_MISMATCH', exitCode: 2, hint: `name a ${wanted} source with --into, or drill the jobs one by one` });
  }
}

function assertJobWritesTo(runtime: Runtime, job: string, sink: string): void {
  const sinks = jobSinks(runtime.config.jobs[job]);
  if (!sinks.includes(sink)) {
    throw new VyaError(`job ${job} does not write to sink "${sink}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: `its sinks: ${sinks.join(', ')}` });
  }
}
