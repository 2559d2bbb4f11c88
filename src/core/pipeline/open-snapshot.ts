import { PassThrough, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sink } from '@vya/plugin-api';
import type { Manifest } from '../repository/manifest.js';
import { createDecompressStream } from './compression.js';
import { createDecryptStream, type DecryptionKeys } from './encryption.js';
import { ChecksumVerifier, LengthCheck } from './measure.js';
import { stopYoungGenerationGrowth } from './young-generation.js';
import { ZstdPlainStream } from './zstd-plain-stream.js';

export interface OpenedSnapshot {
  /**
   * The source's native dump, as it was backed up. It emits 'end' only when the stored
   * object's sha256 and size and the plain size matched the manifest; otherwise it emits
   * 'error' instead, and its last bytes are held back until that verdict. A consumer that
   * commits only on a clean 'end' therefore never commits damaged data.
   */
  data: Readable;
  /** Counts the plain bytes as they flow, to compare with the manifest's raw_bytes. */
  raw: { readonly bytes: number };
}

/** How much of the stored object's end is released only after its checksum matched. */
export const VERIFIED_TAIL_BYTES = 1024 * 1024;

/**
 * The reverse of a backup: sink → sha256 check → decrypt → decompress → size check. The
 * checksum is verified at the end of the stored bytes; age authenticates every chunk as it goes.
 */
export async function openSnapshot(sink: Sink, manifest: Manifest, keys: DecryptionKeys, signal?: AbortSignal): Promise<OpenedSnapshot> {
  stopYoungGenerationGrowth();
  const what = `snapshot ${manifest.id}`;
  const decrypt = manifest.encryption ? createDecryptStream(manifest.encryption, keys, what) : undefined;
  const stored = await sink.get(manifest.data_key, signal);
  const verifier = new ChecksumVerifier(manifest.sha256, manifest.stored_bytes, what, VERIFIED_TAIL_BYTES);
  const plain = plainStages(manifest, what);
  // One readable end for the caller; any stage's error (a bad checksum, a failed chunk) ends it.
  pipeline([stored, verifier, ...(decrypt ? [decrypt] : []), ...plain.stages], { signal }).catch((error: Error) => plain.data.destroy(error));
  return { data: plain.data, raw: plain.raw };
}

/** Decompression, the count of plain bytes and the stream the caller reads: one stage for zstd. */
function plainStages(manifest: Manifest, what: string): { stages: Transform[]; data: Readable; raw: { readonly bytes: number } } {
  const algorithm = manifest.compression.algorithm;
  if (algorithm === 'zstd') {
    const plain = new ZstdPlainStream(manifest.raw_bytes, what);
    return { stages: [plain], data: plain, raw: plain };
  }
  const raw = new LengthCheck(manifest.raw_bytes, what);
  const data = new PassThrough({ highWaterMark: 1024 * 1024 });
  return { stages: [createDecompressStream(algorithm), raw, data], data, raw };
}
