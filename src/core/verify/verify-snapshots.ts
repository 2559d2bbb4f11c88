import { pipeline } from 'node:stream/promises';
import { errorMessage } from '@vya/plugin-api';
import { withLock } from '../locks/with-lock.js';
import { ChecksumVerifier } from '../pipeline/measure.js';
import { listingAsSnapshot } from '../pipeline/listing-object.js';
import type { Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';
import { decryptionKeysFor } from '../snapshots/decryption-keys.js';
import { encryptionDowngrade } from '../snapshots/encryption-binding.js';
import type { LocatedSnapshot, SinkManifestProblem } from '../snapshots/find-snapshots.js';
import type { DecryptionKeys } from '../pipeline/encryption.js';
import { discard, readWholeSnapshot } from './read-snapshot.js';

export interface VerifyResult {
  id: string;
  job: string;
  unit: string;
  sink: string;
  ok: boolean;
  /**
   * 'full': checksum, decryption and decompression to the end; 'sha256': the stored bytes
   * only; 'manifest': the manifest itself is unusable, nothing else was checked.
   */
  checked: 'full' | 'sha256' | 'manifest';
  /** The manifest key, for a result about an unusable manifest. */
  key?: string;
  note?: string;
  error?: string;
}

export interface VerifyOptions {
  identityFiles: string[];
  /** Accept a check of the stored bytes' sha256 alone, without decrypting or decompressing. */
  sha256Only: boolean;
  /** Verify snapshots that are unencrypted although their job is configured for encryption. */
  allowUnencrypted: boolean;
}

/**
 * Re-reads each snapshot: sha256 of the stored bytes, then decrypts and decompresses to the
 * end. A snapshot that cannot be decrypted (no identity) fails unless sha256-only checks were
 * asked for: a pass always says what it proved.
 */
export async function verifySnapshots(runtime: Runtime, snapshots: LocatedSnapshot[], options: VerifyOptions, signal: AbortSignal): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (const { manifest, repository } of snapshots) {
    results.push(await withLock(runtime, repository.sink, manifest.job, manifest.unit.name, 'verify', 'shared', () => verifyOne(runtime, manifest, repository, options, signal)));
  }
  return results;
}

/** An unusable manifest as a failed result, so that `verify --all` counts it. */
export function manifestFailure(problem: SinkManifestProblem): VerifyResult {
  const job = problem.key.split('/')[1] ?? '';
  return { id: problem.id, job, unit: problem.unit, sink: problem.sink, ok: false, checked: 'manifest', key: problem.key, error: problem.error };
}

async function verifyOne(runtime: Runtime, manifest: Manifest, repository: Repository, options: VerifyOptions, signal: AbortSignal): Promise<VerifyResult> {
  const base = { id: manifest.id, job: manifest.job, unit: manifest.unit.name, sink: repository.sinkName };
  const downgrade = encryptionDowngrade(runtime, manifest);
  if (downgrade && !options.allowUnencrypted) {
    return { ...base, ok: false, checked: 'manifest', error: `refused: ${downgrade} (pass --allow-unencrypted if that is expected)` };
  }
  const keys = options.sha256Only ? { identities: [] } : await decryptionKeysFor(runtime, manifest, options.identityFiles);
  const missingKey = options.sha256Only ? undefined : missingKeyReason(manifest, keys);
  const fullCheck = !options.sha256Only && missingKey === undefined;
  try {
    if (!fullCheck) {
      for (const object of storedObjects(manifest)) {
        await pipeline(await repository.sink.get(object.data_key, signal), new ChecksumVerifier(object.sha256, object.stored_bytes, `snapshot ${manifest.id} (${object.data_key})`), discard(), { signal });
      }
      if (missingKey) return { ...base, ok: false, checked: 'sha256', error: `sha256 only: ${missingKey}; the stored bytes match, their content was not checked (pass --identity, or --sha256-only to accept this)` };
      return { ...base, ok: true, checked: 'sha256', note: 'sha256 only (--sha256-only): stored bytes match; not decrypted or decompressed' };
    }
    const rawBytes = await readWholeSnapshot(repository.sink, manifest, keys, signal);
    if (rawBytes !== manifest.raw_bytes) {
      return { ...base, ok: false, checked: 'full', error: `decompressed to ${rawBytes} bytes, the manifest records ${manifest.raw_bytes}` };
    }
    const listing = listingAsSnapshot(manifest);
    if (listing) await readWholeSnapshot(repository.sink, listing, keys, signal);
    return { ...base, ok: true, checked: 'full', note: fullCheckNote(manifest) };
  } catch (error) {
    return { ...base, ok: false, checked: fullCheck ? 'full' : 'sha256', error: runtime.redactor.redact(errorMessage(error)) };
  }
}

/** Why this snapshot cannot be decrypted with the keys at hand, or undefined when it can. */
function missingKeyReason(manifest: Manifest, keys: DecryptionKeys): string | undefined {
  const encryption = manifest.encryption;
  if (!encryption) return undefined;
  if (encryption.passphrase) return keys.passphrase === undefined ? `no passphrase configured for job "${manifest.job}"` : undefined;
  return keys.identities.length === 0 ? `no identity for recipients ${encryption.recipients.join(', ')}` : undefined;
}

/** What a full check proved, e.g. "sha256, age decryption, zstd decompression ok, 1048576 bytes". */
function fullCheckNote(manifest: Manifest): string {
  const steps = ['sha256', ...(manifest.encryption ? ['age decryption'] : []), ...(manifest.compression.algorithm !== 'none' ? [`${manifest.compression.algorithm} decompression`] : [])];
  return `${steps.join(', ')} ok, ${manifest.raw_bytes} bytes`;
}

/** The data object and, when stored, the listing object: each with the sha256 and size to check. */
function storedObjects(manifest: Manifest): Manifest[] {
  const listing = listingAsSnapshot(manifest);
  return listing ? [manifest, listing] : [manifest];
}

