import { errorMessage, VyaError } from '../../plugin-api/index.js';
import type { Manifest } from '../repository/manifest.js';
import { Repository } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';

export interface SnapshotQuery {
  job?: string;
  unit?: string;
  sink?: string;
}

export interface LocatedSnapshot {
  manifest: Manifest;
  repository: Repository;
}

/** The sinks a query has to look in: the job's sink, the named one, or every configured sink. */
export function sinksFor(runtime: Runtime, query: SnapshotQuery): string[] {
  if (query.sink) {
    if (!(query.sink in runtime.config.sinks)) throw unknown('sink', query.sink, Object.keys(runtime.config.sinks));
    return [query.sink];
  }
  if (query.job) {
    const job = runtime.config.jobs[query.job];
    if (job) return [job.sink];
  }
  return Object.keys(runtime.config.sinks);
}

export interface SnapshotListing {
  snapshots: LocatedSnapshot[];
  /** Sinks that could not be listed, with the reason: the others are still listed. */
  failures: { sink: string; error: string }[];
}

/** Every snapshot matching the query, oldest first; a sink that cannot be read is reported, not fatal. */
export async function listSnapshotsEverywhere(runtime: Runtime, query: SnapshotQuery): Promise<SnapshotListing> {
  const snapshots: LocatedSnapshot[] = [];
  const failures: SnapshotListing['failures'] = [];
  const sinks = sinksFor(runtime, query);
  for (const sinkName of sinks) {
    try {
      const repository = new Repository(await runtime.sink(sinkName), sinkName, runtime.logger);
      for (const manifest of await repository.listSnapshots({ job: query.job, unit: query.unit })) snapshots.push({ manifest, repository });
    } catch (error) {
      // One sink named on its own is the whole question: its failure is the answer.
      if (sinks.length === 1) throw error;
      failures.push({ sink: sinkName, error: runtime.redactor.redact(errorMessage(error)) });
    }
  }
  snapshots.sort((a, b) => a.manifest.started_at.localeCompare(b.manifest.started_at) || a.manifest.id.localeCompare(b.manifest.id));
  return { snapshots, failures };
}

export async function findSnapshots(runtime: Runtime, query: SnapshotQuery): Promise<LocatedSnapshot[]> {
  const listing = await listSnapshotsEverywhere(runtime, query);
  for (const failure of listing.failures) runtime.logger.warn(`sink ${failure.sink} could not be listed: ${failure.error}`);
  return listing.snapshots;
}

/**
 * A snapshot named on the command line: a full id, a unique prefix of one, or
 * `JOB/UNIT@latest` / `JOB/UNIT@ID`.
 */
export async function resolveSnapshot(runtime: Runtime, reference: string, query: SnapshotQuery = {}): Promise<LocatedSnapshot> {
  const at = /^([^/@]+)\/(.+)@([^@]+)$/.exec(reference);
  if (at) {
    const [, job, unit, which] = at;
    const candidates = await findSnapshots(runtime, { ...query, job, unit });
    if (candidates.length === 0) throw notFound(reference, `no snapshots of unit "${unit}" in job "${job}"`);
    if (which === 'latest') return candidates[candidates.length - 1];
    return pickById(candidates, which, reference);
  }
  return pickById(await findSnapshots(runtime, query), reference, reference);
}

function pickById(candidates: LocatedSnapshot[], id: string, reference: string): LocatedSnapshot {
  const exact = candidates.filter((c) => c.manifest.id === id);
  if (exact.length === 1) return exact[0];
  const matches = exact.length > 1 ? exact : candidates.filter((c) => c.manifest.id.startsWith(id));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw notFound(reference, 'no snapshot has that id');
  throw new VyaError(`snapshot "${reference}" is ambiguous: ${matches.length} snapshots match`, {
    code: 'AMBIGUOUS_SNAPSHOT',
    exitCode: 2,
    hint: `use more of the id, e.g. ${matches[0].manifest.id}, or --sink to choose the repository`,
  });
}

function notFound(reference: string, reason: string): VyaError {
  return new VyaError(`snapshot "${reference}" not found: ${reason}`, {
    code: 'SNAPSHOT_NOT_FOUND',
    exitCode: 2,
    hint: 'list snapshots with `vya snapshots`; refer to one by id or as JOB/UNIT@latest',
  });
}

function unknown(what: string, name: string, known: string[]): VyaError {
  return new VyaError(`no ${what} named "${name}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: known.length ? `defined: ${known.join(', ')}` : `define one in the config` });
}
