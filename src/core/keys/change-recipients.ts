import { errorMessage, isVyaError, VyaError } from '@vya/plugin-api';
import type { UnwrapKeys } from '../crypto/age/header.js';
import { WHOLE_JOB } from '../locks/repository-lock.js';
import { withLock } from '../locks/with-lock.js';
import type { Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';
import { findSnapshots, type LocatedSnapshot, type SinkManifestProblem } from '../snapshots/find-snapshots.js';
import { configAdvice, configuredKeys } from './config-advice.js';
import { OperatorKeys } from './operator-keys.js';
import { decide, missingKey, type KeyChange, type SnapshotDecision } from './plan-change.js';
import { rewrapSnapshot } from './rewrap-snapshot.js';
import { findSuperseded } from './superseded.js';

export interface KeyChangeOptions {
  change: KeyChange;
  job?: string;
  sink?: string;
  identityFlags: string[];
  dryRun: boolean;
  lockWaitMs: number;
}

export interface SnapshotKeyResult {
  id: string;
  job: string;
  unit: string;
  sink: string;
  outcome: 'rewrapped' | 'would rewrap' | 'unchanged' | 'failed';
  recipients_before: string[];
  passphrase_before: boolean;
  recipients_after?: string[];
  data_key?: string;
  /** The listing object's key, for snapshots that have one. */
  listing_key?: string;
  note?: string;
  error?: string;
}

export interface KeyChangeReport {
  ok: boolean;
  action: KeyChange['action'];
  recipient: string;
  dry_run: boolean;
  snapshots: SnapshotKeyResult[];
  /** Objects left in snapshots' slots by interrupted rewraps, removed (or, dry run, found). */
  superseded: string[];
  problems: SinkManifestProblem[];
  failed_sinks: { sink: string; error: string }[];
  /** What to change in the config, per job. */
  advice: string[];
}

/**
 * `vya keys add` / `vya keys remove`: plans every matching snapshot first and refuses the
 * whole command, before writing anything, when one of them cannot be done (the last
 * recipient, a passphrase without --replace-passphrase, a recipient the config does not vouch
 * for, no key to open it). Then, job by job under the job's exclusive lock, it reads the
 * manifests again, removes what interrupted runs left and rewraps each snapshot.
 */
export async function changeRecipients(runtime: Runtime, options: KeyChangeOptions, signal: AbortSignal): Promise<KeyChangeReport> {
  const keys = new OperatorKeys(runtime, options.identityFlags);
  const listing = await findSnapshots(runtime, { job: options.job, sink: options.sink });
  if (options.job && !runtime.config.jobs[options.job] && listing.snapshots.length === 0 && listing.problems.length === 0) {
    throw new VyaError(`no job named "${options.job}" in the config, and no snapshots of it`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: `jobs: ${Object.keys(runtime.config.jobs).join(', ') || '(none)'}; \`vya keys list\` shows the jobs that have snapshots` });
  }
  const trusted = new TrustedRecipients(runtime);
  const planned = await planAll(listing.snapshots, options.change, trusted, keys);
  const report: KeyChangeReport = {
    ok: true,
    action: options.change.action,
    recipient: options.change.recipient,
    dry_run: options.dryRun,
    snapshots: [],
    superseded: [],
    problems: listing.problems,
    failed_sinks: listing.failures,
    advice: [],
  };
  for (const group of groupByJob(listing.snapshots)) {
    if (signal.aborted) throw interrupted(signal);
    const superseded = await findSuperseded(group.repository, group.job, group.snapshots.map((s) => s.manifest));
    const work = group.snapshots.some((s) => 'change' in (planned.get(s) as SnapshotDecision));
    if (options.dryRun || (!work && superseded.length === 0)) {
      report.superseded.push(...superseded);
      report.snapshots.push(...group.snapshots.map((s) => resultOf(s.manifest, group.repository.sinkName, planned.get(s) as SnapshotDecision, options.dryRun)));
      continue;
    }
    const done = await withLock(runtime, group.repository.sink, group.job, WHOLE_JOB, `keys ${options.change.action}`, 'exclusive', () => rotateJob(runtime, group, { ...options, keys, trusted }, signal), options.lockWaitMs).catch((error: unknown) => {
      // A job another process holds is reported with its holder; the other jobs go on.
      if (!(isVyaError(error) && error.code === 'LOCKED')) throw error;
      runtime.logger.warn(`${group.job} (sink ${group.repository.sinkName}): ${error.message}; ${error.hint ?? ''}`);
      const results = group.snapshots.map((s): SnapshotKeyResult => ({ ...resultOf(s.manifest, group.repository.sinkName, planned.get(s) as SnapshotDecision, false), outcome: 'failed', error: `not changed: ${error.message}` }));
      return { results, superseded: [] };
    });
    report.snapshots.push(...done.results);
    report.superseded.push(...done.superseded);
  }
  report.advice = await configAdvice(runtime, jobsConcerned(runtime, options.job, listing.snapshots), options.change);
  report.ok = report.snapshots.every((s) => s.outcome !== 'failed') && report.problems.length === 0 && report.failed_sinks.length === 0;
  return report;
}

/** Every snapshot's decision; throws, naming the first few, when any is refused. */
async function planAll(snapshots: LocatedSnapshot[], change: KeyChange, trusted: TrustedRecipients, keys: OperatorKeys): Promise<Map<LocatedSnapshot, SnapshotDecision>> {
  const planned = new Map<LocatedSnapshot, SnapshotDecision>();
  const refused = new Reasons();
  for (const snapshot of snapshots) {
    const decision = decide(snapshot.manifest, change, await trusted.of(snapshot.manifest.job));
    planned.set(snapshot, decision);
    if ('refused' in decision) refused.add(decision.refused, snapshot.manifest);
  }
  if (refused.size > 0) throw refused.error('KEYS_REFUSED', 'nothing was changed; resolve what is named, or narrow the command with --job or --sink');
  const changing = snapshots.filter((s) => 'change' in (planned.get(s) as SnapshotDecision));
  const identities = changing.some((s) => !s.manifest.encryption?.passphrase) ? await keys.identitiesNeeded() : [];
  const unopened = new Reasons();
  for (const snapshot of changing) {
    const reason = missingKey(snapshot.manifest, identities, await keys.passphraseOf(snapshot.manifest.job));
    if (reason) unopened.add(reason, snapshot.manifest);
  }
  if (unopened.size > 0) throw unopened.error('NO_DECRYPTION_KEY', 'pass --identity FILE with an identity of one of the recipients listed; nothing was changed');
  return planned;
}

interface JobGroup {
  repository: Repository;
  job: string;
  snapshots: LocatedSnapshot[];
}

function groupByJob(snapshots: LocatedSnapshot[]): JobGroup[] {
  const groups = new Map<string, JobGroup>();
  for (const snapshot of snapshots) {
    const key = `${snapshot.repository.sinkName}\u0000${snapshot.manifest.job}`;
    const group = groups.get(key) ?? { repository: snapshot.repository, job: snapshot.manifest.job, snapshots: [] };
    group.snapshots.push(snapshot);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => a.repository.sinkName.localeCompare(b.repository.sinkName) || a.job.localeCompare(b.job));
}

/**
 * One job of one sink, under its exclusive lock: the manifests are read again (the plan was
 * made without the lock), what interrupted runs left is removed, then each snapshot that
 * still needs it is rewrapped, oldest first.
 */
async function rotateJob(runtime: Runtime, group: JobGroup, context: KeyChangeOptions & { keys: OperatorKeys; trusted: TrustedRecipients }, signal: AbortSignal): Promise<{ results: SnapshotKeyResult[]; superseded: string[] }> {
  const { manifests } = await group.repository.scanSnapshots({ job: group.job });
  const superseded = await findSuperseded(group.repository, group.job, manifests);
  for (const key of superseded) await group.repository.sink.delete(key);
  if (superseded.length > 0) runtime.logger.info(`${group.job}: removed ${superseded.length} object(s) left by an interrupted rewrap`);
  const results: SnapshotKeyResult[] = [];
  const trusted = await context.trusted.of(group.job);
  const changing = manifests.filter((m) => 'change' in decide(m, context.change, trusted)).length;
  let done = 0;
  for (const manifest of manifests) {
    if (signal.aborted) throw interrupted(signal);
    const decision = decide(manifest, context.change, trusted);
    if (!('change' in decision)) {
      results.push(resultOf(manifest, group.repository.sinkName, decision, false));
      continue;
    }
    results.push(await rotateOne(runtime, group.repository, manifest, decision.change, context.keys, signal));
    runtime.logger.info(`${group.job}/${manifest.unit.name} ${manifest.id}: ${results.at(-1)?.outcome} (${++done}/${changing})`);
  }
  return { results, superseded };
}

async function rotateOne(runtime: Runtime, repository: Repository, manifest: Manifest, after: NonNullable<Manifest['encryption']>, keys: OperatorKeys, signal: AbortSignal): Promise<SnapshotKeyResult> {
  const base = resultOf(manifest, repository.sinkName, { change: after }, false);
  try {
    const passphrase = manifest.encryption?.passphrase ? await keys.passphraseOf(manifest.job) : undefined;
    const reason = missingKey(manifest, await keys.identitiesGiven(), passphrase);
    if (reason) return { ...base, outcome: 'failed', error: reason };
    const unwrap: UnwrapKeys = passphrase !== undefined ? { passphrase } : { identities: await keys.identitiesGiven() };
    const outcome = await rewrapSnapshot(repository, manifest, unwrap, after, runtime.logger, signal);
    return { ...base, outcome: 'rewrapped', data_key: outcome.manifest.data_key, listing_key: outcome.manifest.listing?.key, note: outcome.oldObjectsLeft.length > 0 ? `old object(s) ${outcome.oldObjectsLeft.join(', ')} could not be deleted` : undefined };
  } catch (error) {
    if (signal.aborted) throw interrupted(signal, manifest);
    return { ...base, outcome: 'failed', error: runtime.redactor.redact(errorMessage(error)) };
  }
}

function resultOf(manifest: Manifest, sink: string, decision: SnapshotDecision, dryRun: boolean): SnapshotKeyResult {
  const base = {
    id: manifest.id,
    job: manifest.job,
    unit: manifest.unit.name,
    sink,
    recipients_before: manifest.encryption?.recipients ?? [],
    passphrase_before: manifest.encryption?.passphrase ?? false,
  };
  if ('change' in decision) return { ...base, outcome: dryRun ? 'would rewrap' : 'rewrapped', recipients_after: decision.change.recipients, data_key: manifest.data_key, listing_key: manifest.listing?.key };
  if ('unchanged' in decision) return { ...base, outcome: 'unchanged', note: decision.unchanged };
  return { ...base, outcome: 'failed', error: decision.refused };
}

/** The recipients each job's config lists, read once per job. */
class TrustedRecipients {
  private readonly cache = new Map<string, Promise<string[]>>();
  constructor(private readonly runtime: Runtime) {}

  of(job: string): Promise<string[]> {
    let pending = this.cache.get(job);
    if (!pending) {
      pending = configuredKeys(this.runtime, job).then((keys) => keys?.recipients ?? []);
      this.cache.set(job, pending);
    }
    return pending;
  }
}

/** The jobs whose config the advice is about: the one named, else every job that has snapshots here. */
function jobsConcerned(runtime: Runtime, job: string | undefined, snapshots: LocatedSnapshot[]): string[] {
  if (job) return [job];
  const seen = new Set(snapshots.map((s) => s.manifest.job));
  return Object.keys(runtime.config.jobs).filter((name) => seen.has(name) || runtime.config.jobs[name].encryption);
}

function interrupted(signal: AbortSignal, inFlight?: Manifest): VyaError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'interrupted';
  const left = inFlight ? `; snapshot ${inFlight.id} was left as it was` : '';
  return new VyaError(`${reason}${left}`, { code: 'INTERRUPTED', hint: 'every snapshot is readable; run the same command again to finish the rest' });
}

/** Why snapshots are refused, each reason once with the snapshots it concerns. */
class Reasons {
  private readonly snapshots = new Map<string, string[]>();

  get size(): number {
    return this.snapshots.size;
  }

  add(reason: string, manifest: Manifest): void {
    this.snapshots.set(reason, [...(this.snapshots.get(reason) ?? []), `${manifest.job}/${manifest.unit.name}@${manifest.id}`]);
  }

  error(code: string, hint: string): VyaError {
    const described = [...this.snapshots].map(([reason, names]) => {
      const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, and ${names.length - 3} more` : '');
      return `${names.length} snapshot(s) (${shown}): ${reason}`;
    });
    return new VyaError(`refused, nothing changed: ${described.join('; ')}`, { code, exitCode: 2, hint });
  }
}
