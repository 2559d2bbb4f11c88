import { once } from 'node:events';
import { VyaError, type RestoreOptions, type RestoreResult, type Sink, type Source } from '../../plugin-api/index.js';
import { withLock } from '../locks/with-lock.js';
import { openSnapshot } from '../pipeline/open-snapshot.js';
import type { Manifest } from '../repository/manifest.js';
import type { Runtime } from '../runtime.js';
import { decryptionKeysFor } from '../snapshots/decryption-keys.js';
import { assertEncryptionAsConfigured } from '../snapshots/encryption-binding.js';
import { resolveSnapshot } from '../snapshots/find-snapshots.js';

export interface RestoreRequestOptions extends RestoreOptions {
  /** A configured source to restore into, or (file sets) a target directory. */
  to?: string;
  identityFiles: string[];
  sink?: string;
  /** Restore a snapshot that is unencrypted although its job is configured for encryption. */
  allowUnencrypted?: boolean;
}

export interface RestoreOutcome extends RestoreResult {
  snapshot: string;
  job: string;
  unit: string;
  source: string;
  raw_bytes: number;
}

/** Streams a snapshot out of its sink, through decryption and decompression, into a source's restore. */
export async function restoreSnapshot(runtime: Runtime, reference: string, options: RestoreRequestOptions, signal: AbortSignal): Promise<RestoreOutcome> {
  const { manifest, repository } = await resolveSnapshot(runtime, reference, { sink: options.sink });
  assertEncryptionAsConfigured(runtime, manifest, options.allowUnencrypted === true);
  return withLock(runtime, repository.sink, manifest.job, manifest.unit.name, 'restore', 'shared', () => restoreLocked(runtime, manifest, repository.sink, options, signal));
}

/** The restore itself, under a shared lock that keeps prune from removing the snapshot meanwhile. */
async function restoreLocked(runtime: Runtime, manifest: Manifest, sink: Sink, options: RestoreRequestOptions, signal: AbortSignal): Promise<RestoreOutcome> {
  const { name, source, target } = await restoringSource(runtime, manifest, options.to);
  const keys = await decryptionKeysFor(runtime, manifest, options.identityFiles);
  const opened = await openSnapshot(sink, manifest, keys, signal);
  // The first plain bytes prove the key (a passphrase, say) and the object's start are good:
  // waiting for them means such a failure comes before the source creates or cleans anything.
  await once(opened.data, 'readable', { signal });
  const result = await source.restore(
    {
      unit: { name: manifest.unit.name, kind: manifest.unit.kind },
      data: opened.data,
      metadata: manifest.source_metadata,
      options: { target, database: options.database, clean: options.clean, jobs: options.jobs, dryRun: options.dryRun, overwrite: options.overwrite },
    },
    signal,
  );
  if (!options.dryRun && opened.raw.bytes !== manifest.raw_bytes) {
    throw new VyaError(`snapshot ${manifest.id}: restored ${opened.raw.bytes} bytes but the manifest records ${manifest.raw_bytes}`, {
      code: 'RESTORE_INCOMPLETE',
      hint: 'the restore target may be incomplete; run `vya verify` on the snapshot',
    });
  }
  return { ...result, snapshot: manifest.id, job: manifest.job, unit: manifest.unit.name, source: name, raw_bytes: opened.raw.bytes };
}

/**
 * `--to` names a configured source of the snapshot's type (restore into that server), or is
 * a target (a directory for file sets) handed to the snapshot's own source.
 */
async function restoringSource(runtime: Runtime, manifest: Manifest, to: string | undefined): Promise<{ name: string; source: Source; target?: string }> {
  const sources = runtime.config.sources;
  if (to !== undefined && to in sources) {
    if (sources[to].type !== manifest.source.type) {
      throw new VyaError(`cannot restore a ${manifest.source.type} snapshot into source "${to}" of type ${sources[to].type}`, {
        code: 'RESTORE_TYPE_MISMATCH',
        exitCode: 2,
        hint: `choose a ${manifest.source.type} source with --to`,
      });
    }
    return { name: to, source: await runtime.source(to) };
  }
  const original = sources[manifest.source.name];
  if (!original || original.type !== manifest.source.type) {
    throw new VyaError(`snapshot ${manifest.id} came from ${manifest.source.type} source "${manifest.source.name}", which is not in the config`, {
      code: 'RESTORE_NO_SOURCE',
      exitCode: 2,
      hint: `pass --to with the name of a configured ${manifest.source.type} source`,
    });
  }
  return { name: manifest.source.name, source: await runtime.source(manifest.source.name), target: to };
}
