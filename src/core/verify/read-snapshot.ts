import { Writable } from 'node:stream';
import { writeInto, type Sink } from '@vya/plugin-api';
import { openSnapshot } from '../pipeline/open-snapshot.js';
import type { Manifest } from '../repository/manifest.js';
import type { DecryptionKeys } from '../pipeline/encryption.js';

/**
 * Reads a whole snapshot once, discarding the output: the stored bytes' sha256 and size,
 * decryption and decompression, and the plain size. Throws at the first mismatch.
 */
export async function readWholeSnapshot(sink: Sink, manifest: Manifest, keys: DecryptionKeys, signal?: AbortSignal): Promise<number> {
  const opened = await openSnapshot(sink, manifest, keys, signal);
  await writeInto(opened.data, discard(), signal);
  return opened.raw.bytes;
}

export function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}
