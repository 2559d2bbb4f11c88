import { errorMessage, VyaError } from '@vya/plugin-api';
import type { Manifest } from '../repository/manifest.js';
import { byTime, Repository, type ManifestProblem } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';
import { jobSinks } from '../config/job-sinks.js';

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
    if (job) return jobSinks(job);
  }
  return Object.keys(runtime.config.sinks);
}

export interface SnapshotListing {
  snapshots: LocatedSnapshot[];
  /** Manifests that exist by key but cannot be read or are not valid: never skipped silently. */
  problems: SinkManifestProblem[];
  /** Sinks that could not be listed, with the reason: the others are still listed. */
  failures: { sink: string; error: string }[];
}

export interface SinkManifestProblem extends ManifestProblem {
  sink: string;
}

/** Every snapshot matching the query, oldest first; a sink that cannot be read is reported, not fatal. */
export async function listSnapshotsEverywhere(runtime: Runtime, query: SnapshotQuery): Promise<SnapshotListing> {
  const listing: SnapshotListing = { snapshots: [], problems: [], failures: [] };
  const sinks = sinksFor(runtime, query);
  for (const sinkName of sinks) {
    try {
      const repository = new Repository(await runtime.sink(sinkName), sinkName, runtime.logger);
      const scan = await repository.scanSnapshots({ job: query.job, unit: query.unit });
      for (const manifest of scan.manifests) listing.snapshots.push({ manifest, repository });
      for (const problem of scan.problems) listing.problems.push({ ...problem, sink: sinkName, error: runtime.redactor.redact(problem.error) });
    } catch (error) {
      // One sink named on its own is the whole question: its failure is the answer.
      if (sinks.length === 1) throw error;
      listing.failures.push({ sink: sinkName, error: runtime.redactor.redact(errorMessage(error)) });
    }
  }
  listing.snapshots.sort((a, b) => byTime(a.manifest, b.manifest));
  return listing;
}

/** The listing, with unlisted sinks warned about; unusable manifests are left to the caller. */
export async function findSnapshots(runtime: Runtime, query: SnapshotQuery): Promise<SnapshotListing> {
  const listing = await listSnapshotsEverywhere(runtime, query);
  for (const failure of listing.failures) runtime.logger.warn(`sink ${failure.sink} could not be listed: ${failure.error}`);
  return listing;
}

/**
 * A snapshot named on the command line: a full id, a unique prefix of one, or
 * `JOB/UNIT@latest` / `JOB/UNIT@ID`. A reference that an unusable manifest could answer is an
 * error, never a fall-back to another snapshot: `@latest` fails when the newest manifest key
 * of the unit is unusable, and an id or prefix fails when it matches one.
 */
export async function resolveSnapshot(runtime: Runtime, reference: string, query: SnapshotQuery = {}): Promise<LocatedSnapshot> {
  if (!reference.trim()) throw new VyaError('empty snapshot reference', { code: 'USAGE', exitCode: 2, hint: 'name a snapshot id (or a unique prefix of one), or JOB/UNIT@latest' });
  const at = /^([^/@]+)\/(.+)@([^@]+)$/.exec(reference);
  if (at) {
    const [, job, unit, which] = at;
    const listing = await findSnapshots(runtime, { ...query, job, unit });
    if (which === 'latest') return latestOf(listing, reference, unit, job);
    return pickById(listing, which, reference);
  }
  return pickById(await findSnapshots(runtime, query), reference, reference);
}

function latestOf(listing: SnapshotListing, reference: string, unit: string, job: string): LocatedSnapshot {
  const newestId = listing.snapshots.at(-1)?.manifest.id;
  // The same snapshot in several sinks: the first sink listed (config order) has it.
  const newest = listing.snapshots.find((candidate) => candidate.manifest.id === newestId);
  const newestProblem = listing.problems.reduce<SinkManifestProblem | undefined>((best, problem) => (!best || problem.id > best.id ? problem : best), undefined);
  if (newestProblem && (!newest || newestProblem.id >= newest.manifest.id)) throw unusable(reference, newestProblem);
  if (!newest) throw notFound(reference, `no snapshots of unit "${unit}" in job "${job}"`);
  return newest;
}

function pickById(listing: SnapshotListing, id: string, reference: string): LocatedSnapshot {
  const candidates = listing.snapshots;
  const exact = candidates.filter((c) => c.manifest.id === id);
  const broken = listing.problems.filter((problem) => problem.id.startsWith(id));
  if (exact.length >= 1 && !broken.some((problem) => problem.id === id)) return exact[0];
  const matches = exact.length > 1 ? exact : candidates.filter((c) => c.manifest.id.startsWith(id));
  // One snapshot held by several sinks is one match: the first sink listed (config order) serves it.
  if (matches.length > 0 && matches.every((m) => m.manifest.id === matches[0].manifest.id) && broken.length === 0) return matches[0];
  if (matches.length === 0 && broken.length === 1) throw unusable(reference, broken[0]);
  if (matches.length === 0 && broken.length === 0) throw notFound(reference, 'no snapshot has that id');
  const example = matches[0]?.manifest.id ?? broken[0].id;
  throw new VyaError(`snapshot "${reference}" is ambiguous: ${matches.length + broken.length} snapshots match`, {
    code: 'AMBIGUOUS_SNAPSHOT',
    exitCode: 2,
    hint: `use more of the id, e.g. ${example}, or --sink to choose the repository`,
  });
}

function unusable(reference: string, problem: SinkManifestProblem): VyaError {
  return new VyaError(`snapshot "${reference}" cannot be used: ${problem.error}`, {
    code: problem.code,
    hint: problem.code === 'MANIFEST_TOO_NEW' ? 'upgrade vya to read this repository' : 'name an older snapshot by id if you mean one; `vya verify --all` lists unusable manifests',
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
