import { modifiedOf, VyaError, type ObjectInfo } from '@vya/plugin-api';
import { findSuperseded } from '../keys/superseded.js';
import { RepositoryLocks, WHOLE_JOB } from '../locks/repository-lock.js';
import { DATA_ROOT, dataPrefix, MANIFEST_ROOT, manifestPrefix, snapshotSlot } from '../repository/keys.js';
import type { Manifest } from '../repository/manifest.js';
import { Repository, unusableManifests, type ManifestProblem } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';
import { applyRetention, hasRules } from './policy.js';
import { jobSinks } from '../config/job-sinks.js';

export interface PrunedSnapshot {
  id: string;
  time: string;
  reasons?: string[];
}

export interface PruneUnitReport {
  unit: string;
  keep: PrunedSnapshot[];
  remove: PrunedSnapshot[];
}

export interface PruneReport {
  job: string;
  sink: string;
  dryRun: boolean;
  units: PruneUnitReport[];
  removed: number;
  kept: number;
  orphans: string[];
  /** Partial objects (`*.vya-partial-*`) left by killed writers, removed with --orphans. */
  partials: string[];
}

export interface PruneOptions {
  dryRun: boolean;
  /**
   * Also remove data objects without a manifest older than this (left by an interrupted prune
   * or backup), and partial objects older than this and at least PARTIAL_SAFETY_MS.
   */
  orphansOlderThanMs?: number;
  lockWaitMs?: number;
}

/**
 * A partial object is debris only when nothing has written to it for this long: a running
 * writer touches it with every chunk, and prune holds the job's exclusive lock besides.
 */
export const PARTIAL_SAFETY_MS = 60 * 60 * 1000;

/**
 * Applies a job's retention policy to each of its units. Under a job-wide lock, removed
 * snapshots lose their manifest first and their data second, so no manifest ever points at
 * missing data; only snapshots with a manifest of this job are considered. When any manifest
 * of the job cannot be used, nothing is deleted at all: vya cannot know what it referenced.
 */
export async function pruneJob(runtime: Runtime, jobName: string, options: PruneOptions, sinkName?: string): Promise<PruneReport> {
  const job = runtime.config.jobs[jobName];
  if (!job) throw new VyaError(`no job named "${jobName}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: `defined jobs: ${Object.keys(runtime.config.jobs).join(', ')}` });
  if (!job.retention || !hasRules(job.retention)) {
    throw new VyaError(`job "${jobName}" has no retention policy`, { code: 'NO_POLICY', exitCode: 2, hint: `add retention: { keep_daily: 7, ... } to jobs.${jobName}; vya never prunes without a policy` });
  }
  const inSink = sinkName ?? job.sink;
  const sink = await runtime.sink(inSink);
  const repository = new Repository(sink, inSink, runtime.logger);
  const lock = options.dryRun ? undefined : await new RepositoryLocks(sink, runtime.logger).acquire(jobName, WHOLE_JOB, 'prune', options.lockWaitMs ?? 0);
  try {
    const { manifests, problems } = await repository.scanSnapshots({ job: jobName });
    if (problems.length > 0) throw refused(jobName, problems, inSink);
    const units = plan(manifests, job.retention);
    const report: PruneReport = { job: jobName, sink: inSink, dryRun: options.dryRun, units: [], removed: 0, kept: 0, orphans: [], partials: [] };
    for (const unit of units) {
      report.units.push({ unit: unit.unit, keep: unit.keep.map(describe), remove: unit.remove.map((m) => describe(m)) });
      report.kept += unit.keep.length;
      for (const manifest of unit.remove) {
        if (!options.dryRun) await repository.deleteSnapshot(manifest);
        report.removed++;
      }
    }
    if (options.orphansOlderThanMs !== undefined) Object.assign(report, await removeOrphans(repository, jobName, manifests, options.orphansOlderThanMs, options.dryRun));
    return report;
  } finally {
    await lock?.release();
  }
}

/** pruneJob in each of the job's sinks, in config order (each sink has its own lock and copies). */
export async function pruneJobEverywhere(runtime: Runtime, jobName: string, options: PruneOptions): Promise<PruneReport[]> {
  const job = runtime.config.jobs[jobName];
  const reports: PruneReport[] = [];
  for (const sinkName of job ? jobSinks(job) : [undefined]) reports.push(await pruneJob(runtime, jobName, options, sinkName));
  return reports;
}

function plan(manifests: Manifest[], retention: NonNullable<Runtime['config']['jobs'][string]['retention']>) {
  const byUnit = new Map<string, Manifest[]>();
  for (const manifest of manifests) byUnit.set(manifest.unit.name, [...(byUnit.get(manifest.unit.name) ?? []), manifest]);
  return [...byUnit].sort(([a], [b]) => a.localeCompare(b)).map(([unit, list]) => {
    const decisions = applyRetention(
      list.map((manifest) => ({ id: manifest.id, time: new Date(manifest.started_at), manifest })),
      retention,
    );
    return {
      unit,
      keep: decisions.filter((d) => d.keep).map((d) => ({ manifest: d.snapshot.manifest, reasons: d.reasons })),
      remove: decisions.filter((d) => !d.keep).map((d) => d.snapshot.manifest),
    };
  });
}

function describe(entry: Manifest | { manifest: Manifest; reasons: string[] }): PrunedSnapshot {
  if ('manifest' in entry) return { id: entry.manifest.id, time: entry.manifest.started_at, reasons: entry.reasons };
  return { id: entry.id, time: entry.started_at };
}

function refused(job: string, problems: ManifestProblem[], sinkName: string): VyaError {
  const cause = unusableManifests(problems, sinkName);
  return new VyaError(`prune of job "${job}" refused, nothing deleted: ${cause.message}`, { code: cause.code, hint: cause.hint });
}

/**
 * Orphans are decided by keys, not by manifests read: a data object is referenced while a
 * manifest key of the same unit and id exists, readable or not. Besides, an object in the slot
 * of a manifest read that is not its data object was left by an interrupted `vya keys` rewrap
 * (every manifest of the job was read, or prune refused above). Only old objects go.
 */
async function removeOrphans(repository: Repository, job: string, manifests: Manifest[], olderThanMs: number, dryRun: boolean): Promise<{ orphans: string[]; partials: string[] }> {
  const referenced = new Set((await repository.manifestKeys({ job })).map((key) => snapshotSlot(key, MANIFEST_ROOT, job)));
  const superseded = new Set(await findSuperseded(repository, job, manifests));
  const now = Date.now();
  const isOld = (info: ObjectInfo, ageMs: number) => modifiedOf(info).getTime() <= now - ageMs;
  const orphans: string[] = [];
  const partials: string[] = [];
  for await (const info of repository.sink.list(dataPrefix(job))) {
    const unreferenced = !referenced.has(snapshotSlot(info.key, DATA_ROOT, job)) || superseded.has(info.key);
    if (unreferenced && isOld(info, olderThanMs)) orphans.push(info.key);
  }
  for (const prefix of [dataPrefix(job), manifestPrefix(job)]) {
    for await (const info of repository.sink.listPartial?.(prefix) ?? []) {
      if (isOld(info, Math.max(olderThanMs, PARTIAL_SAFETY_MS))) partials.push(info.key);
    }
  }
  if (!dryRun) for (const key of [...orphans, ...partials]) await repository.sink.delete(key);
  return { orphans: orphans.sort(), partials: partials.sort() };
}
