import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sink } from '../../plugin-api/index.js';
import type { Manifest } from '../repository/manifest.js';
import { createDecompressStream } from './compression.js';
import { createDecryptStream, type DecryptionKeys } from './encryption.js';
import { ByteMeter, ChecksumVerifier } from './measure.js';

export interface OpenedSnapshot {
  /** The source's native dump, as it was backed up. */
  data: Readable;
  /** Counts the plain bytes as they flow, to compare with the manifest's raw_bytes. */
  raw: ByteMeter;
}

/**
 * The reverse of a backup: sink → sha256 check → decrypt → decompress. The checksum is
 * verified at the end of the stored bytes; age authenticates every chunk as it goes.
 */
export async function openSnapshot(sink: Sink, manifest: Manifest, keys: DecryptionKeys, signal?: AbortSignal): Promise<OpenedSnapshot> {
  const what = `snapshot ${manifest.id}`;
  const decrypt = manifest.encryption ? createDecryptStream(manifest.encryption, keys, what) : undefined;
  const stored = await sink.get(manifest.data_key, signal);
  const raw = new ByteMeter();
  const stages = [stored, new ChecksumVerifier(manifest.sha256, manifest.stored_bytes, what), ...(decrypt ? [decrypt] : []), createDecompressStream(manifest.compression.algorithm), raw];
  // One readable end for the caller; any stage's error (a bad checksum, a failed chunk) ends it.
  const data = new PassThrough({ highWaterMark: 1024 * 1024 });
  pipeline([...stages, data], { signal }).catch((error: Error) => data.destroy(error));
  return { data, raw };
}
