import { pipeline } from 'node:stream/promises';
import { errorMessage, isVyaError, VyaError, type Sink } from '@vya/plugin-api';
import { withLock } from '../locks/with-lock.js';
import { ChecksumVerifier } from '../pipeline/measure.js';
import { manifestKey } from '../repository/keys.js';
import type { Manifest } from '../repository/manifest.js';
import { Repository } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';
import { assertEncryptionAsConfigured } from '../snapshots/encryption-binding.js';
import { resolveSnapshot, sinksFor, type LocatedSnapshot } from '../snapshots/find-snapshots.js';

export interface CopyRequest {
  /** Snapshot references (ids, prefixes, JOB/UNIT@latest); or every snapshot of `job` in `fromSink`. */
  references: string[];
  job?: string;
  fromSink?: string;
  toSink: string;
  dryRun?: boolean;
  allowUnencrypted?: boolean;
}

export interface CopiedSnapshot {
  id: string;
  job: string;
  unit: string;
  from: string;
  to: string;
  /** 'skipped': the target already holds it. */
  status: 'copied' | 'skipped' | 'would-copy';
  stored_bytes: number;
}

/**
 * `vya copy`: the stored object and then the manifest of each snapshot, byte for byte into
 * another sink, the sha256 checked on the way (a mismatch fails the object's put, so the
 * target keeps nothing of it). The manifest is written last: an interrupted copy leaves at
 * most an unlisted data object, which the next copy overwrites. Snapshots the target already
 * lists are skipped, so a copy can be run again until it finishes.
 */
export async function copySnapshots(runtime: Runtime, request: CopyRequest, signal: AbortSignal): Promise<CopiedSnapshot[]> {
  const [toSink] = sinksFor(runtime, { sink: request.toSink });
  const target = new Repository(await runtime.sink(toSink), toSink, runtime.logger);
  const snapshots = await snapshotsToCopy(runtime, request);
  const copied: CopiedSnapshot[] = [];
  for (const located of snapshots) {
    if (signal.aborted) throw interrupted(signal);
    copied.push(await copyOne(runtime, located, target, request, signal));
  }
  return copied;
}

async function snapshotsToCopy(runtime: Runtime, request: CopyRequest): Promise<LocatedSnapshot[]> {
  if (request.references.length > 0) {
    if (request.job !== undefined) throw usage('name snapshots or pass --job, not both', 'vya copy ID... --to-sink B, or vya copy --job J --from-sink A --to-sink B');
    const located: LocatedSnapshot[] = [];
    for (const reference of request.references) located.push(await resolveSnapshot(runtime, reference, { sink: request.fromSink }));
    return located;
  }
  if (request.job === undefined || request.fromSink === undefined) throw usage('name the snapshots to copy, or pass --job and --from-sink', 'vya copy ID... --to-sink B, or vya copy --job J --from-sink A --to-sink B');
  if (!(request.job in runtime.config.jobs)) {
    throw new VyaError(`no job named "${request.job}"`, { code: 'UNKNOWN_NAME', exitCode: 2, hint: `defined jobs: ${Object.keys(runtime.config.jobs).join(', ') || 'none'}` });
  }
  const [fromSink] = sinksFor(runtime, { sink: request.fromSink });
  if (fromSink === request.toSink) throw usage('--from-sink and --to-sink name the same sink', 'copy between two different sinks');
  const source = new Repository(await runtime.sink(fromSink), fromSink, runtime.logger);
  return (await source.listSnapshots({ job: request.job })).map((manifest) => ({ manifest, repository: source }));
}

async function copyOne(runtime: Runtime, located: LocatedSnapshot, target: Repository, request: CopyRequest, signal: AbortSignal): Promise<CopiedSnapshot> {
  const { manifest, repository: source } = located;
  const result = { id: manifest.id, job: manifest.job, unit: manifest.unit.name, from: source.sinkName, to: target.sinkName, stored_bytes: manifest.stored_bytes };
  if (source.sinkName === target.sinkName || (await holds(target.sink, manifest))) return { ...result, status: 'skipped' };
  assertEncryptionAsConfigured(runtime, manifest, request.allowUnencrypted === true);
  if (request.dryRun) return { ...result, status: 'would-copy' };
  const what = `${manifest.job}/${manifest.unit.name}@${manifest.id}`;
  await withLock(runtime, source.sink, manifest.job, manifest.unit.name, 'copy', 'shared', () =>
    withLock(runtime, target.sink, manifest.job, manifest.unit.name, 'copy', 'exclusive', async () => {
      // Under the target's lock: another copy may have finished it meanwhile.
      if (await holds(target.sink, manifest)) return;
      try {
        for (const object of storedObjects(manifest)) await copyObject(source.sink, target.sink, object, what, signal);
        await target.writeManifest({ ...manifest, sink: target.sinkName }, signal);
      } catch (error) {
        if (signal.aborted) throw interrupted(signal);
        throw new VyaError(`copy of ${what} from sink ${source.sinkName} to ${target.sinkName} failed: ${errorMessage(error)}`, {
          code: (error as { code?: string }).code === 'CHECKSUM_MISMATCH' ? 'CHECKSUM_MISMATCH' : isVyaError(error) ? error.code : 'COPY_FAILED',
          hint: 'nothing of this snapshot is listed in the target; `vya verify` checks the source copy, and the copy can be run again',
          cause: error,
        });
      }
    }),
  );
  runtime.logger.info(`${what}: copied from sink ${source.sinkName} to ${target.sinkName} (${manifest.stored_bytes} bytes)`);
  return { ...result, status: 'copied' };
}

interface StoredObject {
  key: string;
  sha256: string;
  bytes: number;
}

/** What the manifest records of each object of the snapshot: the data, and the listing if any. */
function storedObjects(manifest: Manifest): StoredObject[] {
  const data = { key: manifest.data_key, sha256: manifest.sha256, bytes: manifest.stored_bytes };
  return manifest.listing ? [data, { key: manifest.listing.key, sha256: manifest.listing.sha256, bytes: manifest.listing.stored_bytes }] : [data];
}

/** One stored object, streamed and checked against the manifest before the target commits it. */
async function copyObject(from: Sink, to: Sink, object: StoredObject, what: string, signal: AbortSignal): Promise<void> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const data = await from.get(object.key, both);
  const checked = new ChecksumVerifier(object.sha256, object.bytes, `snapshot ${what} (${object.key})`);
  const stopOnFailure = (error: unknown) => {
    stop.abort(error);
    throw error;
  };
  const results = await Promise.allSettled([pipeline(data, checked, { signal: both }).catch(stopOnFailure), to.put(object.key, checked, both).catch(stopOnFailure)]);
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  // The mismatch is the cause; the sink's failed put only echoes it.
  if (errors.length > 0) throw errors.find((error) => (error as { code?: string }).code === 'CHECKSUM_MISMATCH') ?? errors[0];
}

async function holds(sink: Sink, manifest: Manifest): Promise<boolean> {
  return (await sink.stat(manifestKey(manifest.job, manifest.unit.name, manifest.id))) !== undefined;
}

function usage(message: string, hint: string): VyaError {
  return new VyaError(message, { code: 'USAGE', exitCode: 2, hint });
}

function interrupted(signal: AbortSignal): VyaError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new VyaError(`copy interrupted${reason}`, { code: 'ABORTED', hint: 'snapshots copied so far are complete; run the same copy again to finish' });
}
