import { hostname } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { errorMessage, isVyaError, VyaError, type BackupUnit, type Logger, type Sink, type Source } from '@vya/plugin-api';
import type { CompressionConfig } from '../config/types.js';
import { dataKey } from '../repository/keys.js';
import type { Manifest, ManifestListing } from '../repository/manifest.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import { newSnapshotId } from '../repository/snapshot-id.js';
import { compressionExtension, createCompressStream } from './compression.js';
import { createEncryptStream, describeEncryption, type EncryptionPlan } from './encryption.js';
import { ByteMeter } from './measure.js';
import { SinkFanOut, type FanOutResult, type SinkTarget } from './sink-fan-out.js';
import { progressWatchdog, stallTimeoutMs } from '../backup/stall-guard.js';
import { stopYoungGenerationGrowth } from './young-generation.js';

export interface UnitBackupRequest {
  job: string;
  runId: string;
  source: { name: string; type: string; instance: Source };
  sink: { name: string; instance: Sink };
  repository: Repository;
  /** Further sinks fed from the same stream (`sinks: [a, b]`), each with its own manifest. */
  alsoTo?: SinkTarget[];
  unit: BackupUnit;
  compression: CompressionConfig;
  encryption: EncryptionPlan | undefined;
  plugins: Record<string, string>;
  vyaVersion: string;
  logger: Logger;
  signal: AbortSignal;
  onProgress?: (rawBytes: number) => void;
  /** No bytes for this long fails the unit as stalled (default: $VYA_STALL_TIMEOUT or 30 min). */
  stallTimeoutMs?: number;
}

/**
 * Backs up one unit: source → compress → encrypt → sha256/count → sink, then the manifest.
 * One pass, no temporary files. Whatever fails (the source, a stage, the sink, an abort),
 * the data object is removed and no manifest is written, so nothing half-done is listed.
 */
export async function backupUnit(request: UnitBackupRequest): Promise<Manifest> {
  return (await backupUnitToSinks(request)).manifests[0];
}

/** backupUnit to the first sink and every `alsoTo` one: the run fails only when every sink failed. */
export async function backupUnitToSinks(request: UnitBackupRequest): Promise<FanOutResult> {
  stopYoungGenerationGrowth();
  const startedAt = new Date();
  const id = newSnapshotId(startedAt);
  const controller = new AbortController();
  const watchdog = progressWatchdog(controller, request.stallTimeoutMs ?? stallTimeoutMs(), `${request.job}/${request.unit.name}`);
  const abort = () => controller.abort(request.signal.reason);
  request.signal.addEventListener('abort', abort, { once: true });
  let sinks: SinkFanOut | undefined;
  try {
    if (request.signal.aborted) throw abortError(request);
    const output = await request.source.instance.backup(request.unit, controller.signal);
    output.completed.catch(() => {});
    const key = dataKey(request.job, request.unit.name, id, extensionFor(output.format, request));
    sinks = new SinkFanOut([{ ...request.sink, repository: request.repository }, ...(request.alsoTo ?? [])], key, request.logger);
    const raw = new ByteMeter({ onProgress: (bytes) => (watchdog.touch(), request.onProgress?.(bytes)) });
    const stored = new ByteMeter({ sha256: true });
    const listing = output.listing && sinks.storeListing(output.listing, { job: request.job, unit: request.unit.name, id, compression: request.compression, encryption: request.encryption }, controller.signal);
    const stages = [output.data, raw, createCompressStream(request.compression), ...(request.encryption ? [createEncryptStream(request.encryption)] : []), stored, sinks.tee];
    const results = await Promise.allSettled([
      firstFailureAborts(pipeline(stages, { signal: controller.signal }), controller),
      firstFailureAborts(sinks.store(controller.signal), controller),
      firstFailureAborts(settleOnAbort(output.completed, controller.signal), controller),
      firstFailureAborts(listing ?? Promise.resolve(undefined), controller),
    ]);
    const failure = pickFailure(results);
    if (failure) throw failure;
    const metadata = (results[2] as PromiseFulfilledResult<Record<string, unknown>>).value;
    const manifest = buildManifest(request, { id, key, startedAt, format: output.format, rawBytes: raw.bytes, storedBytes: stored.bytes, sha256: stored.digest(), metadata });
    const storedListing = (results[3] as PromiseFulfilledResult<ManifestListing | undefined>).value;
    if (storedListing) manifest.listing = storedListing;
    if (request.signal.aborted) throw abortError(request);
    return await sinks.commit(manifest, request.signal);
  } catch (error) {
    controller.abort();
    await sinks?.removeEverywhere();
    throw wrapUnitError(error, request);
  } finally {
    watchdog.stop();
    request.signal.removeEventListener('abort', abort);
  }
}

function extensionFor(format: string, request: UnitBackupRequest): string {
  const parts = [format, compressionExtension(request.compression.algorithm), request.encryption ? 'age' : ''];
  return parts.filter(Boolean).join('.');
}

async function firstFailureAborts<T>(promise: Promise<T>, controller: AbortController): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (!controller.signal.aborted) controller.abort(error);
    throw error;
  }
}

/** A source that does not settle `completed` after an abort must not hang the run. */
function settleOnAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The root cause: the first error that is not just the echo of our own abort, translated if one is. */
function pickFailure(results: PromiseSettledResult<unknown>[]): unknown {
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (errors.length === 0) return undefined;
  // A stage that failed because the sink failed carries the sink's raw error (ENOSPC); the
  // sink's own, translated error says the same in words.
  const causes = errors.filter((error) => !isAbortEcho(error));
  return causes.find((error) => isVyaError(error)) ?? causes[0] ?? errors[0];
}

function isAbortEcho(error: unknown): boolean {
  const e = error as { name?: string; code?: string } | null;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR' || e?.code === 'ABORTED' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

function wrapUnitError(error: unknown, request: UnitBackupRequest): VyaError {
  const what = `${request.job}/${request.unit.name}`;
  if (request.signal.aborted) return abortError(request);
  if (isVyaError(error)) {
    const message = error.message.includes(request.unit.name) ? error.message : `${what}: ${error.message}`;
    return new VyaError(message, { code: error.code, hint: error.hint, exitCode: error.exitCode, cause: error });
  }
  return new VyaError(`${what}: ${errorMessage(error)}`, { code: 'BACKUP_FAILED', cause: error });
}

function abortError(request: UnitBackupRequest): VyaError {
  const reason = request.signal.reason instanceof Error ? `: ${request.signal.reason.message}` : '';
  return new VyaError(`${request.job}/${request.unit.name}: backup aborted${reason}`, { code: 'ABORTED', hint: 'nothing was stored for this unit; run the job again' });
}

function buildManifest(
  request: UnitBackupRequest,
  facts: { id: string; key: string; startedAt: Date; format: string; rawBytes: number; storedBytes: number; sha256: string; metadata: Record<string, unknown> },
): Manifest {
  return {
    format: MANIFEST_FORMAT,
    format_version: MANIFEST_VERSION,
    id: facts.id,
    run_id: request.runId,
    job: request.job,
    source: { name: request.source.name, type: request.source.type },
    sink: request.sink.name,
    unit: { name: request.unit.name, kind: request.unit.kind },
    data_key: facts.key,
    data_format: facts.format,
    started_at: facts.startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    raw_bytes: facts.rawBytes,
    stored_bytes: facts.storedBytes,
    sha256: facts.sha256,
    compression: { algorithm: request.compression.algorithm, level: request.compression.algorithm === 'none' ? undefined : request.compression.level },
    encryption: describeEncryption(request.encryption),
    source_metadata: facts.metadata,
    plugins: request.plugins,
    host: hostname(),
    vya_version: request.vyaVersion,
  };
}
