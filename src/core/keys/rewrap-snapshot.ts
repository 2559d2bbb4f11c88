import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage, VyaError, type Logger } from '@vya/plugin-api';
import type { UnwrapKeys } from '../crypto/age/header.js';
import { AgeHeaderRewrap } from '../crypto/age/rewrap.js';
import { ByteMeter, ChecksumVerifier } from '../pipeline/measure.js';
import { listingAsSnapshot } from '../pipeline/listing-object.js';
import { manifestKey } from '../repository/keys.js';
import { objectKeys, parseManifest, type Manifest, type ManifestEncryption } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import { rewrappedDataKey, rewrappedObjectKey } from './rewrapped-key.js';
import { pauseForTests } from './test-pause.js';

export interface RewrapOutcome {
  manifest: Manifest;
  /** Old objects that could not be deleted: they are superseded, and a rerun or prune --orphans removes them. */
  oldObjectsLeft: string[];
}

interface RewrapHow {
  keys: UnwrapKeys;
  after: ManifestEncryption;
  logger: Logger;
}

/** A rewrapped copy: its new key and what the manifest records of it. */
interface RewrappedObject {
  key: string;
  sha256: string;
  bytes: number;
}

/**
 * Gives one snapshot a new header for `after.recipients` on each of its stored objects (the
 * data object and, when the snapshot has one, the listing object, which names every file and
 * so is as secret as the data), in three steps that each leave it readable when the process
 * dies:
 *
 * 1. copy, object by object: the stored object streams through a sha256 check against the
 *    manifest (a damaged object is never rewrapped) and the header rewrap into a NEW key; the
 *    payload bytes pass untouched, and the new object's sha256 and size are measured on the way;
 * 2. switch: the manifest is overwritten (one atomic put) to name the new objects, their
 *    sha256 and sizes, and the recipients: data and listing change together or not at all;
 * 3. the old objects are deleted.
 *
 * Before 2 the manifest names the old, untouched objects; after it, the new, complete ones.
 * An object left by a death between the steps is in the snapshot's own slot and none of its
 * objects: the next `vya keys` run on the job and `vya prune --orphans` remove it.
 */
export async function rewrapSnapshot(repository: Repository, manifest: Manifest, keys: UnwrapKeys, after: ManifestEncryption, logger: Logger, signal: AbortSignal): Promise<RewrapOutcome> {
  const how = { keys, after, logger };
  const data = await copyRewrapped(repository, manifest, rewrappedDataKey(manifest), `snapshot ${manifest.id}`, how, signal);
  const listing = await copyListing(repository, manifest, how, signal).catch(async (error: unknown) => {
    await repository.sink.delete(data.key).catch(() => {});
    throw error;
  });
  await pauseForTests('copied', logger);
  const updated = checkedManifest({ ...manifest, data_key: data.key, sha256: data.sha256, stored_bytes: data.bytes, ...withListing(manifest, listing), encryption: after });
  await switchManifest(repository, updated, listing ? [data.key, listing.key] : [data.key]);
  await pauseForTests('switched', logger);
  const oldObjectsLeft: string[] = [];
  for (const old of objectKeys(manifest)) {
    try {
      await repository.sink.delete(old);
    } catch (error) {
      logger.warn(`snapshot ${manifest.id}: the old object ${old} could not be deleted (${errorMessage(error)}); rerun the command or \`vya prune --orphans\` to remove it`);
      oldObjectsLeft.push(old);
    }
  }
  return { manifest: updated, oldObjectsLeft };
}

/** The listing object rewrapped like the data object, under a new key of its own; none without a listing. */
async function copyListing(repository: Repository, manifest: Manifest, how: RewrapHow, signal: AbortSignal): Promise<RewrappedObject | undefined> {
  const listing = listingAsSnapshot(manifest);
  if (!listing) return undefined;
  await pauseForTests('data-copied', how.logger);
  return copyRewrapped(repository, listing, rewrappedObjectKey(manifest, listing.data_key), `snapshot ${manifest.id}'s listing`, how, signal);
}

function withListing(manifest: Manifest, listing: RewrappedObject | undefined): Pick<Manifest, 'listing'> {
  if (!manifest.listing || !listing) return {};
  return { listing: { ...manifest.listing, key: listing.key, sha256: listing.sha256, stored_bytes: listing.bytes } };
}

/** Copies `object.data_key` (checked against `object.sha256`/`stored_bytes`) to `newKey` with a rewrapped header. */
async function copyRewrapped(repository: Repository, object: Manifest, newKey: string, what: string, how: RewrapHow, signal: AbortSignal): Promise<RewrappedObject> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  const rewrap = new AgeHeaderRewrap(how.keys, { recipients: how.after.recipients });
  const stored = new ByteMeter({ sha256: true });
  try {
    const source = await repository.sink.get(object.data_key, controller.signal);
    const stages = [source, new ChecksumVerifier(object.sha256, object.stored_bytes, what), rewrap, ...(process.env.VYA_TEST_KEYS_PAUSE === 'copying' ? [pauseAfterFirstChunk(how.logger)] : []), stored];
    const results = await Promise.allSettled([
      abortOnFailure(pipeline(stages, { signal: controller.signal }), controller),
      abortOnFailure(repository.sink.put(newKey, stored, controller.signal), controller),
    ]);
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
  } catch (error) {
    controller.abort();
    await repository.sink.delete(newKey).catch(() => {});
    throw error;
  } finally {
    signal.removeEventListener('abort', abort);
  }
  const expected = object.stored_bytes - rewrap.oldHeaderBytes + rewrap.newHeaderBytes;
  if (stored.bytes !== expected) {
    await repository.sink.delete(newKey).catch(() => {});
    throw new VyaError(`${what}: the rewrapped object has ${stored.bytes} bytes, ${expected} expected`, { code: 'REWRAP_FAILED', hint: 'nothing was changed; report this as a bug' });
  }
  return { key: newKey, sha256: stored.digest(), bytes: stored.bytes };
}

/**
 * Writes the new manifest. Once the copies are complete the switch is not aborted by a signal
 * (it is one small put). When the put fails, the manifest is read back: the new objects are
 * deleted only when the manifest certainly does not name them.
 */
async function switchManifest(repository: Repository, updated: Manifest, newKeys: string[]): Promise<void> {
  try {
    await repository.writeManifest(updated);
  } catch (error) {
    const current = await repository.readManifest(manifestKey(updated.job, updated.unit.name, updated.id)).catch(() => undefined);
    if (current?.data_key === updated.data_key) return;
    if (current) for (const key of newKeys) await repository.sink.delete(key).catch(() => {});
    throw error;
  }
}

/** The new manifest passes the same schema and binding checks every reader applies. */
function checkedManifest(manifest: Manifest): Manifest {
  return parseManifest(JSON.stringify(manifest), manifestKey(manifest.job, manifest.unit.name, manifest.id));
}

function abortOnFailure<T>(promise: Promise<T>, controller: AbortController): Promise<T> {
  return promise.catch((error: unknown) => {
    controller.abort(error);
    throw error;
  });
}

/** VYA_TEST_KEYS_PAUSE=copying: holds the copy after its first chunk, with the new object half-written. */
function pauseAfterFirstChunk(logger: Logger): Transform {
  let passed = false;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      if (passed) return callback(null, chunk);
      passed = true;
      this.push(chunk);
      void pauseForTests('copying', logger);
    },
  });
}
