import { hostname } from 'node:os';
import pLimit from 'p-limit';
import { errorMessage, VyaError, type BackupUnit, type RunOutcome, type RunSummary, type UnitResult } from '@vya/plugin-api';
import type { JobConfig } from '../config/types.js';
import { runClosingHooks, runHooks } from '../hooks/run-hooks.js';
import { jobSinks } from '../config/job-sinks.js';
import { backupUnitToSinks } from '../pipeline/backup-unit.js';
import { DEFAULT_COMPRESSION } from '../pipeline/compression.js';
import { planEncryption } from '../pipeline/encryption.js';
import type { ProgressLine } from '../progress.js';
import { dataKey } from '../repository/keys.js';
import { lockSinks, openSinks, sinkResults } from './job-sinks.js';
import { newRunId } from '../repository/snapshot-id.js';
import type { Runtime } from '../runtime.js';
import { unreadEntries } from './unread-entries.js';

export interface JobRunOptions {
  signal: AbortSignal;
  vyaVersion: string;
  progress?: ProgressLine;
}

export interface DryRunPlan {
  job: string;
  source: string;
  sink: string;
  /** Every sink the job writes to (`sink` is the first). */
  sinks: string[];
  units: { unit: string; kind: string; key: string }[];
  /** Why the job could not be planned (nothing else is known about it then). */
  error?: string;
}

/** `vya backup --dry-run`: what would be backed up and where, touching nothing. */
export async function planJob(runtime: Runtime, jobName: string, signal: AbortSignal): Promise<DryRunPlan> {
  const job = jobOf(runtime, jobName);
  const source = await runtime.source(job.source);
  for (const sink of jobSinks(job)) await runtime.sink(sink);
  await planEncryption(await runtime.resolveSecrets(job.encryption, `jobs.${jobName}.encryption`), runtime.configDir);
  const units = await source.discover(signal);
  return {
    job: jobName,
    source: job.source,
    sink: job.sink,
    sinks: jobSinks(job),
    units: units.map((unit) => ({ unit: unit.name, kind: unit.kind, key: dataKey(jobName, unit.name, '<snapshot-id>', '...') })),
  };
}

/** Runs one job: discovers its units and backs each up, a few at a time. Never throws for a unit. */
export async function runJob(runtime: Runtime, jobName: string, options: JobRunOptions): Promise<RunSummary> {
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  const log = runtime.logger.child(jobName);
  const results: UnitResult[] = [];
  let jobError: string | undefined;
  const hooks = runtime.config.jobs[jobName]?.hooks;
  const hookOptions = { logger: log, cwd: runtime.configDir };
  try {
    const job = jobOf(runtime, jobName);
    await runHooks('before', hooks, { job: jobName, runId }, { ...hookOptions, signal: options.signal });
    const context = await prepareJob(runtime, jobName, job);
    const units = await context.source.discover(options.signal);
    log.info(`${units.length} unit(s) to back up from ${job.source} to ${jobSinks(job).join(', ')}`);
    const limit = pLimit(job.concurrency ?? sourceConcurrency(runtime, job) ?? 2);
    await Promise.all(units.map((unit) => limit(() => backupOne(runtime, jobName, job, context, unit, runId, options).then((result) => results.push(result)))));
  } catch (error) {
    jobError = runtime.redactor.redact(errorMessage(error));
    log.error(jobError);
  }
  return runClosingHooks(summarize(runId, jobName, startedAt, results, jobError), hooks, hookOptions);
}

type JobContext = Awaited<ReturnType<typeof prepareJob>>;

async function prepareJob(runtime: Runtime, jobName: string, job: JobConfig) {
  const source = await runtime.source(job.source);
  const sinks = await openSinks(runtime, jobSinks(job));
  const encryption = await planEncryption(await runtime.resolveSecrets(job.encryption, `jobs.${jobName}.encryption`), runtime.configDir);
  const sourceType = runtime.config.sources[job.source].type;
  const sinkTypes = jobSinks(job).map((name) => runtime.config.sinks[name].type);
  const plugins = Object.fromEntries(
    [runtime.registry.pluginOf('sources', sourceType), ...sinkTypes.map((type) => runtime.registry.pluginOf('sinks', type))].map((plugin) => [plugin.name, plugin.version]),
  );
  return { source, sourceType, sinks, encryption, plugins };
}

async function backupOne(
  runtime: Runtime,
  jobName: string,
  job: JobConfig,
  context: JobContext,
  unit: BackupUnit,
  runId: string,
  options: JobRunOptions,
): Promise<UnitResult> {
  const startedAt = new Date();
  const label = `${jobName}/${unit.name}`;
  const base = { job: jobName, source: job.source, sink: context.sinks.map((sink) => sink.name).join(', '), unit: unit.name, startedAt: startedAt.toISOString() };
  const onProgress = options.progress?.start(label);
  const locked = await lockSinks(context.sinks, jobName, unit.name);
  try {
    if (locked.held.length === 0) throw locked.failures[0].error;
    const [first, ...rest] = locked.held.map((held) => held.target);
    const stored = await backupUnitToSinks({
      job: jobName,
      runId,
      source: { name: job.source, type: context.sourceType, instance: context.source },
      sink: { name: first.name, instance: first.instance },
      repository: first.repository,
      alsoTo: rest,
      unit,
      compression: job.compression ?? DEFAULT_COMPRESSION,
      encryption: context.encryption,
      plugins: context.plugins,
      vyaVersion: options.vyaVersion,
      logger: runtime.logger.child(label),
      signal: options.signal,
      onProgress,
    });
    const manifest = stored.manifests[0];
    const failures = [...locked.failures, ...stored.failures].map((failure) => ({ sink: failure.sink, error: runtime.redactor.redact(errorMessage(failure.error)) }));
    const where = context.sinks.length > 1 ? ` in ${stored.manifests.map((m) => m.sink).join(', ')}` : '';
    runtime.logger.info(`${label}: snapshot ${manifest.id} stored${where} (${manifest.raw_bytes} bytes raw, ${manifest.stored_bytes} stored)`);
    for (const failure of failures) runtime.logger.error(`${label}: not stored in sink ${failure.sink}: ${failure.error}`);
    const unread = unreadEntries(manifest.source_metadata);
    const unreadProblem = unread && runtime.redactor.redact(unread.problem);
    if (unreadProblem) runtime.logger.error(`${label}: ${unreadProblem}`);
    const problems = [...(unreadProblem ? [unreadProblem] : []), ...failures.map((failure) => `sink ${failure.sink}: ${failure.error}`)];
    return {
      ...base,
      ...finished(startedAt),
      status: problems.length > 0 ? 'partial' : 'succeeded',
      snapshotId: manifest.id,
      rawBytes: manifest.raw_bytes,
      storedBytes: manifest.stored_bytes,
      ...(unread ? { unread: unread.count } : {}),
      ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
      ...(context.sinks.length > 1 ? { sinks: sinkResults(context.sinks, failures) } : {}),
    };
  } catch (error) {
    const message = runtime.redactor.redact(errorMessage(error));
    runtime.logger.error(message.startsWith(`${label}:`) ? message : `${label}: ${message}`);
    const sinks = context.sinks.length > 1 ? { sinks: context.sinks.map((sink) => ({ sink: sink.name, status: 'failed' as const, error: message })) } : {};
    return { ...base, ...finished(startedAt), status: 'failed', rawBytes: 0, storedBytes: 0, error: message, ...sinks };
  } finally {
    await Promise.all(locked.held.map((held) => held.lock.release()));
    options.progress?.finish(label);
  }
}

function finished(startedAt: Date): { finishedAt: string; durationMs: number } {
  const now = new Date();
  return { finishedAt: now.toISOString(), durationMs: now.getTime() - startedAt.getTime() };
}

function summarize(runId: string, job: string, startedAt: Date, units: UnitResult[], error: string | undefined): RunSummary {
  const failed = units.filter((unit) => unit.status === 'failed').length;
  const partial = units.filter((unit) => unit.status === 'partial').length;
  const succeeded = units.length - failed;
  const outcome: RunOutcome = error !== undefined || (failed > 0 && succeeded === 0) ? 'failed' : failed + partial > 0 ? 'partial' : 'succeeded';
  units.sort((a, b) => a.unit.localeCompare(b.unit));
  return {
    runId,
    job,
    host: hostname(),
    outcome,
    ...finished(startedAt),
    startedAt: startedAt.toISOString(),
    units,
    error,
    totals: {
      units: units.length,
      succeeded,
      failed,
      rawBytes: units.reduce((sum, unit) => sum + unit.rawBytes, 0),
      storedBytes: units.reduce((sum, unit) => sum + unit.storedBytes, 0),
    },
  };
}

function jobOf(runtime: Runtime, jobName: string): JobConfig {
  const job = runtime.config.jobs[jobName];
  if (!job) {
    const known = Object.keys(runtime.config.jobs);
    throw new VyaError(`no job named "${jobName}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: known.length ? `defined jobs: ${known.join(', ')}` : 'add one under "jobs:" in the config' });
  }
  return job;
}

function sourceConcurrency(runtime: Runtime, job: JobConfig): number | undefined {
  const value = runtime.config.sources[job.source]?.concurrency;
  return typeof value === 'number' && value > 0 ? value : undefined;
}
