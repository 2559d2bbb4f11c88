import { modifiedOf, VyaError } from '../../plugin-api/index.js';
import { RepositoryLocks, WHOLE_JOB } from '../locks/repository-lock.js';
import { dataPrefix } from '../repository/keys.js';
import type { Manifest } from '../repository/manifest.js';
import { Repository } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';
import { applyRetention, hasRules } from './policy.js';

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
}

export interface PruneOptions {
  dryRun: boolean;
  /** Also remove data objects without a manifest older than this (left by an interrupted prune). */
  orphansOlderThanMs?: number;
  lockWaitMs?: number;
}

/**
 * Applies a job's retention policy to each of its units. Under a job-wide lock, removed
 * snapshots lose their manifest first and their data second, so no manifest ever points at
 * missing data; only snapshots with a manifest of this job are considered.
 */
export async function pruneJob(runtime: Runtime, jobName: string, options: PruneOptions): Promise<PruneReport> {
  const job = runtime.config.jobs[jobName];
  if (!job) throw new VyaError(`no job named "${jobName}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: `defined jobs: ${Object.keys(runtime.config.jobs).join(', ')}` });
  if (!job.retention || !hasRules(job.retention)) {
    throw new VyaError(`job "${jobName}" has no retention policy`, { code: 'NO_POLICY', exitCode: 2, hint: `add retention: { keep_daily: 7, ... } to jobs.${jobName}; vya never prunes without a policy` });
  }
  const sink = await runtime.sink(job.sink);
  const repository = new Repository(sink, job.sink, runtime.logger);
  const lock = options.dryRun ? undefined : await new RepositoryLocks(sink, runtime.logger).acquire(jobName, WHOLE_JOB, 'prune', options.lockWaitMs ?? 0);
  try {
    const manifests = await repository.listSnapshots({ job: jobName });
    const units = plan(manifests, job.retention);
    const report: PruneReport = { job: jobName, sink: job.sink, dryRun: options.dryRun, units: [], removed: 0, kept: 0, orphans: [] };
    for (const unit of units) {
      report.units.push({ unit: unit.unit, keep: unit.keep.map(describe), remove: unit.remove.map((m) => describe(m)) });
      report.kept += unit.keep.length;
      for (const manifest of unit.remove) {
        if (!options.dryRun) await repository.deleteSnapshot(manifest);
        report.removed++;
      }
    }
    if (options.orphansOlderThanMs !== undefined) report.orphans = await removeOrphans(repository, jobName, manifests, options);
    return report;
  } finally {
    await lock?.release();
  }
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

async function removeOrphans(repository: Repository, job: string, manifests: Manifest[], options: PruneOptions): Promise<string[]> {
  const referenced = new Set(manifests.map((manifest) => manifest.data_key));
  const cutoff = Date.now() - (options.orphansOlderThanMs ?? 0);
  const orphans: string[] = [];
  for await (const info of repository.sink.list(dataPrefix(job))) {
    if (referenced.has(info.key) || modifiedOf(info).getTime() > cutoff) continue;
    orphans.push(info.key);
  }
  if (!options.dryRun) for (const key of orphans) await repository.sink.delete(key);
  return orphans;
}
