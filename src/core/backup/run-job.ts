import { hostname } from 'node:os';
import pLimit from 'p-limit';
import { errorMessage, VyaError, type BackupUnit, type RunOutcome, type RunSummary, type UnitResult } from '@vya/plugin-api';
import type { JobConfig } from '../config/types.js';
import { runClosingHooks, runHooks } from '../hooks/run-hooks.js';
import { backupUnit } from '../pipeline/backup-unit.js';
import { DEFAULT_COMPRESSION } from '../pipeline/compression.js';
import { planEncryption } from '../pipeline/encryption.js';
import type { ProgressLine } from '../progress.js';
import { RepositoryLocks, type HeldLock } from '../locks/repository-lock.js';
import { dataKey } from '../repository/keys.js';
import { Repository } from '../repository/repository.js';
import { newRunId } from '../repository/snapshot-id.js';
import type { Runtime } from '../runtime.js';

export interface JobRunOptions {
  signal: AbortSignal;
  vyaVersion: string;
  progress?: ProgressLine;
}

export interface DryRunPlan {
  job: string;
  source: string;
  sink: string;
  units: { unit: string; kind: string; key: string }[];
  /** Why the job could not be planned (nothing else is known about it then). */
  error?: string;
}

/** `vya backup --dry-run`: what would be backed up and where, touching nothing. */
export async function planJob(runtime: Runtime, jobName: string, signal: AbortSignal): Promise<DryRunPlan> {
  const job = jobOf(runtime, jobName);
  const source = await runtime.source(job.source);
  await runtime.sink(job.sink);
  await planEncryption(await runtime.resolveSecrets(job.encryption, `jobs.${jobName}.encryption`), runtime.configDir);
  const units = await source.discover(signal);
  return {
    job: jobName,
    source: job.source,
    sink: job.sink,
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
    log.info(`${units.length} unit(s) to back up from ${job.source} to ${job.sink}`);
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
  const sink = await runtime.sink(job.sink);
  const encryption = await planEncryption(await runtime.resolveSecrets(job.encryption, `jobs.${jobName}.encryption`), runtime.configDir);
  const sourceType = runtime.config.sources[job.source].type;
  const sinkType = runtime.config.sinks[job.sink].type;
  const plugins = Object.fromEntries(
    [runtime.registry.pluginOf('sources', sourceType), runtime.registry.pluginOf('sinks', sinkType)].map((plugin) => [plugin.name, plugin.version]),
  );
  return { source, sourceType, sink, encryption, plugins, repository: new Repository(sink, job.sink, runtime.logger), locks: new RepositoryLocks(sink, runtime.logger) };
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
  const base = { job: jobName, source: job.source, sink: job.sink, unit: unit.name, startedAt: startedAt.toISOString() };
  const onProgress = options.progress?.start(label);
  let lock: HeldLock | undefined;
  try {
    lock = await context.locks.acquire(jobName, unit.name, 'backup');
    const manifest = await backupUnit({
      job: jobName,
      runId,
      source: { name: job.source, type: context.sourceType, instance: context.source },
      sink: { name: job.sink, instance: context.sink },
      repository: context.repository,
      unit,
      compression: job.compression ?? DEFAULT_COMPRESSION,
      encryption: context.encryption,
      plugins: context.plugins,
      vyaVersion: options.vyaVersion,
      logger: runtime.logger.child(label),
      signal: options.signal,
      onProgress,
    });
    runtime.logger.info(`${label}: snapshot ${manifest.id} stored (${manifest.raw_bytes} bytes raw, ${manifest.stored_bytes} stored)`);
    return { ...base, ...finished(startedAt), status: 'succeeded', snapshotId: manifest.id, rawBytes: manifest.raw_bytes, storedBytes: manifest.stored_bytes };
  } catch (error) {
    const message = runtime.redactor.redact(errorMessage(error));
    runtime.logger.error(message.startsWith(`${label}:`) ? message : `${label}: ${message}`);
    return { ...base, ...finished(startedAt), status: 'failed', rawBytes: 0, storedBytes: 0, error: message };
  } finally {
    await lock?.release();
    options.progress?.finish(label);
  }
}

function finished(startedAt: Date): { finishedAt: string; durationMs: number } {
  const now = new Date();
  return { finishedAt: now.toISOString(), durationMs: now.getTime() - startedAt.getTime() };
}

function summarize(runId: string, job: string, startedAt: Date, units: UnitResult[], error: string | undefined): RunSummary {
  const failed = units.filter((unit) => unit.status === 'failed').length;
  const succeeded = units.length - failed;
  const outcome: RunOutcome = error !== undefined || (failed > 0 && succeeded === 0) ? 'failed' : failed > 0 ? 'partial' : 'succeeded';
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
