import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage } from '../../plugin-api/index.js';
import { withLock } from '../locks/with-lock.js';
import { openSnapshot } from '../pipeline/open-snapshot.js';
import { ChecksumVerifier } from '../pipeline/measure.js';
import type { Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';
import { decryptionKeysFor } from '../snapshots/decryption-keys.js';
import type { LocatedSnapshot } from '../snapshots/find-snapshots.js';

export interface VerifyResult {
  id: string;
  job: string;
  unit: string;
  sink: string;
  ok: boolean;
  /** 'full': checksum, decryption and decompression to the end; 'checksum': the stored bytes only. */
  checked: 'full' | 'checksum';
  note?: string;
  error?: string;
}

/** Re-reads each snapshot: sha256 of the stored bytes, then decrypts and decompresses to the end when it can. */
export async function verifySnapshots(runtime: Runtime, snapshots: LocatedSnapshot[], identityFiles: string[], signal: AbortSignal): Promise<VerifyResult[]> {
  const results: VerifyResult[] = [];
  for (const { manifest, repository } of snapshots) {
    results.push(await withLock(runtime, repository.sink, manifest.job, manifest.unit.name, 'verify', 'shared', () => verifyOne(runtime, manifest, repository, identityFiles, signal)));
  }
  return results;
}

async function verifyOne(runtime: Runtime, manifest: Manifest, repository: Repository, identityFiles: string[], signal: AbortSignal): Promise<VerifyResult> {
  const base = { id: manifest.id, job: manifest.job, unit: manifest.unit.name, sink: repository.sinkName };
  const keys = await decryptionKeysFor(runtime, manifest, identityFiles);
  const canDecrypt = !manifest.encryption || (manifest.encryption.passphrase ? keys.passphrase !== undefined : keys.identities.length > 0);
  try {
    if (!canDecrypt) {
      await pipeline(await repository.sink.get(manifest.data_key, signal), new ChecksumVerifier(manifest.sha256, manifest.stored_bytes, `snapshot ${manifest.id}`), discard(), { signal });
      return { ...base, ok: true, checked: 'checksum', note: 'stored bytes match; not decrypted (no identity given: pass --identity)' };
    }
    const opened = await openSnapshot(repository.sink, manifest, keys, signal);
    await pipeline(opened.data, discard(), { signal });
    if (opened.raw.bytes !== manifest.raw_bytes) {
      return { ...base, ok: false, checked: 'full', error: `decompressed to ${opened.raw.bytes} bytes, the manifest records ${manifest.raw_bytes}` };
    }
    return { ...base, ok: true, checked: 'full', note: fullCheckNote(manifest) };
  } catch (error) {
    return { ...base, ok: false, checked: canDecrypt ? 'full' : 'checksum', error: runtime.redactor.redact(errorMessage(error)) };
  }
}

/** What a full check proved, e.g. "sha256, age decryption, zstd decompression ok, 1048576 bytes". */
function fullCheckNote(manifest: Manifest): string {
  const steps = ['sha256', ...(manifest.encryption ? ['age decryption'] : []), ...(manifest.compression.algorithm !== 'none' ? [`${manifest.compression.algorithm} decompression`] : [])];
  return `${steps.join(', ')} ok, ${manifest.raw_bytes} bytes`;
}

function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
