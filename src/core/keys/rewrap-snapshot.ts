import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage, VyaError, type Logger } from '@vya/plugin-api';
import type { UnwrapKeys } from '../crypto/age/header.js';
import { AgeHeaderRewrap } from '../crypto/age/rewrap.js';
import { ByteMeter, ChecksumVerifier } from '../pipeline/measure.js';
import { manifestKey } from '../repository/keys.js';
import { parseManifest, type Manifest, type ManifestEncryption } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import { rewrappedDataKey } from './rewrapped-key.js';
import { pauseForTests } from './test-pause.js';

export interface RewrapOutcome {
  manifest: Manifest;
  /** Set when the old object could not be deleted: it is superseded, and a rerun or prune --orphans removes it. */
  oldObjectLeft?: string;
}

/**
 * Gives one snapshot a new header for `after.recipients`, in three steps that each leave it
 * readable when the process dies:
 *
 * 1. copy: the stored object streams through a sha256 check against the manifest (a damaged
 *    object is never rewrapped) and the header rewrap into a NEW key; the payload bytes pass
 *    untouched, and the new object's sha256 and size are measured on the way;
 * 2. switch: the manifest is overwritten (one atomic put) to name the new object, its sha256,
 *    size and recipients;
 * 3. the old object is deleted.
 *
 * Before 2 the manifest names the old, untouched object; after it, the new, complete one. An
 * object left by a death between the steps is in the snapshot's own slot and not its data
 * object: the next `vya keys` run on the job and `vya prune --orphans` remove it.
 */
export async function rewrapSnapshot(repository: Repository, manifest: Manifest, keys: UnwrapKeys, after: ManifestEncryption, logger: Logger, signal: AbortSignal): Promise<RewrapOutcome> {
  const newKey = rewrappedDataKey(manifest);
  const copied = await copyRewrapped(repository, manifest, newKey, { keys, after, logger }, signal);
  await pauseForTests('copied', logger);
  const updated = checkedManifest({ ...manifest, data_key: newKey, sha256: copied.sha256, stored_bytes: copied.bytes, encryption: after });
  await switchManifest(repository, updated, newKey);
  await pauseForTests('switched', logger);
  try {
    await repository.sink.delete(manifest.data_key);
    return { manifest: updated };
  } catch (error) {
    logger.warn(`snapshot ${manifest.id}: the old object ${manifest.data_key} could not be deleted (${errorMessage(error)}); rerun the command or \`vya prune --orphans\` to remove it`);
    return { manifest: updated, oldObjectLeft: manifest.data_key };
  }
}

async function copyRewrapped(repository: Repository, manifest: Manifest, newKey: string, how: { keys: UnwrapKeys; after: ManifestEncryption; logger: Logger }, signal: AbortSignal): Promise<{ sha256: string; bytes: number }> {
  const controller = new AbortController();
  const abort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  const rewrap = new AgeHeaderRewrap(how.keys, { recipients: how.after.recipients });
  const stored = new ByteMeter({ sha256: true });
  try {
    const source = await repository.sink.get(manifest.data_key, controller.signal);
    const stages = [source, new ChecksumVerifier(manifest.sha256, manifest.stored_bytes, `snapshot ${manifest.id}`), rewrap, ...(process.env.VYA_TEST_KEYS_PAUSE === 'copying' ? [pauseAfterFirstChunk(how.logger)] : []), stored];
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
  const expected = manifest.stored_bytes - rewrap.oldHeaderBytes + rewrap.newHeaderBytes;
  if (stored.bytes !== expected) {
    await repository.sink.delete(newKey).catch(() => {});
    throw new VyaError(`snapshot ${manifest.id}: the rewrapped object has ${stored.bytes} bytes, ${expected} expected`, { code: 'REWRAP_FAILED', hint: 'nothing was changed; report this as a bug' });
  }
  return { sha256: stored.digest(), bytes: stored.bytes };
}

/**
 * Writes the new manifest. Once the copy is complete the switch is not aborted by a signal
 * (it is one small put). When the put fails, the manifest is read back: the new object is
 * deleted only when the manifest certainly does not name it.
 */
async function switchManifest(repository: Repository, updated: Manifest, newKey: string): Promise<void> {
  try {
    await repository.writeManifest(updated);
  } catch (error) {
    const current = await repository.readManifest(manifestKey(updated.job, updated.unit.name, updated.id)).catch(() => undefined);
    if (current?.data_key === newKey) return;
    if (current) await repository.sink.delete(newKey).catch(() => {});
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
