import { once } from 'node:events';
import { VyaError, type BackupUnit, type RestoreOptions, type RestoreResult, type Sink, type Source } from '@vya/plugin-api';
import { withLock } from '../locks/with-lock.js';
import { openSnapshot } from '../pipeline/open-snapshot.js';
import type { Manifest } from '../repository/manifest.js';
import type { Runtime } from '../runtime.js';
import { decryptionKeysFor } from '../snapshots/decryption-keys.js';
import { assertEncryptionAsConfigured } from '../snapshots/encryption-binding.js';
import { resolveSnapshot } from '../snapshots/find-snapshots.js';
import { readWholeSnapshot } from '../verify/read-snapshot.js';
import { restoreTarget, type RestoreTarget } from './restore-target.js';

export interface RestoreRequestOptions extends RestoreOptions {
  /** A configured source to restore into, or (file sets) a target directory. Required. */
  to?: string;
  identityFiles: string[];
  sink?: string;
  /** false: skip the whole read that verifies a snapshot before a target that cannot roll back. */
  verifyFirst?: boolean;
  /** Restore a snapshot that is unencrypted although its job is configured for encryption. */
  allowUnencrypted?: boolean;
}

export interface RestoreOutcome extends RestoreResult {
  snapshot: string;
  job: string;
  unit: string;
  source: string;
  /** The sink the snapshot was read from. */
  sink?: string;
  raw_bytes: number;
  /** True when the snapshot was verified by a whole read before anything was applied. */
  verified_first: boolean;
}

/** Streams a snapshot out of its sink, through decryption and decompression, into a source's restore. */
export async function restoreSnapshot(runtime: Runtime, reference: string, options: RestoreRequestOptions, signal: AbortSignal): Promise<RestoreOutcome> {
  const { manifest, repository } = await resolveSnapshot(runtime, reference, { sink: options.sink });
  assertEncryptionAsConfigured(runtime, manifest, options.allowUnencrypted === true);
  const outcome = await withLock(runtime, repository.sink, manifest.job, manifest.unit.name, 'restore', 'shared', () => restoreLocked(runtime, manifest, repository.sink, options, signal));
  // A snapshot may be held by several sinks: say which one was read.
  const [first, ...rest] = outcome.summary.split('\n');
  return { ...outcome, sink: repository.sinkName, summary: [`${first} (from sink ${repository.sinkName})`, ...rest].join('\n') };
}

/** The restore itself, under a shared lock that keeps prune from removing the snapshot meanwhile. */
async function restoreLocked(runtime: Runtime, manifest: Manifest, sink: Sink, options: RestoreRequestOptions, signal: AbortSignal): Promise<RestoreOutcome> {
  const target = await restoreTarget(runtime, manifest, options.to);
  const keys = await decryptionKeysFor(runtime, manifest, options.identityFiles);
  const unit: BackupUnit = { name: manifest.unit.name, kind: manifest.unit.kind };
  const restoreOptions: RestoreOptions = { target: target.directory, database: options.database, clean: options.clean, jobs: options.jobs, dryRun: options.dryRun, overwrite: options.overwrite };
  const plan = await planRestore(target.source, unit, restoreOptions, signal);
  // A target that cannot roll back gets only data that was read whole and matched once.
  const verifyFirst = !options.dryRun && !plan.waitsForCleanEnd && options.verifyFirst !== false;
  if (verifyFirst) await readWholeSnapshot(sink, manifest, keys, signal);
  const opened = await openSnapshot(sink, manifest, keys, signal);
  try {
    // The first plain bytes prove the key (a passphrase, say) and the object's start are good:
    // waiting for them means such a failure comes before the source creates or cleans anything.
    await once(opened.data, 'readable', { signal });
    const result = await target.source.restore({ unit, data: opened.data, metadata: manifest.source_metadata, options: restoreOptions }, signal);
    if (!options.dryRun && opened.raw.bytes !== manifest.raw_bytes) {
      throw new VyaError(`snapshot ${manifest.id}: restored ${opened.raw.bytes} bytes but the manifest records ${manifest.raw_bytes}`, {
        code: 'RESTORE_INCOMPLETE',
        hint: 'the restore target may be incomplete; run `vya verify` on the snapshot',
      });
    }
    const summary = intoItsOwnDatabase(target, unit, options) ? `${result.summary} (the very database this snapshot was taken from, on source ${target.name})` : result.summary;
    return { ...result, summary, snapshot: manifest.id, job: manifest.job, unit: unit.name, source: target.name, raw_bytes: opened.raw.bytes, verified_first: verifyFirst };
  } finally {
    // A dry run (or a source that stopped early) leaves the rest unread: close the sink's stream.
    if (!opened.data.readableEnded) opened.data.destroy();
  }
}

function intoItsOwnDatabase(target: RestoreTarget, unit: BackupUnit, options: RestoreOptions): boolean {
  return target.original && unit.kind === 'database' && (options.database ?? unit.name) === unit.name;
}

async function planRestore(source: Source, unit: BackupUnit, options: RestoreOptions, signal: AbortSignal): Promise<{ waitsForCleanEnd: boolean }> {
  return source.planRestore ? source.planRestore(unit, options, signal) : { waitsForCleanEnd: false };
}
