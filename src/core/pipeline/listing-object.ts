import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sink } from '@vya/plugin-api';
import type { CompressionConfig } from '../config/types.js';
import { dataKey } from '../repository/keys.js';
import type { Manifest, ManifestListing } from '../repository/manifest.js';
import { compressionExtension, createCompressStream } from './compression.js';
import { createEncryptStream, type EncryptionPlan } from './encryption.js';
import { ByteMeter } from './measure.js';

/** The stored listing's format: one JSON object per line (see the files plugin). */
export const LISTING_FORMAT = 'jsonl';

export interface ListingUpload {
  key: string;
  /** Settles once the listing is stored; resolves with what the manifest records of it. */
  stored: Promise<ManifestListing>;
}

/**
 * Stores a source's listing (`BackupStream.listing`) next to the data object, through the same
 * compression and encryption: it names every file, so it is as secret as the data. Streamed,
 * concurrently with the data, so its size never sits in memory.
 */
export function storeListing(
  listing: Readable,
  target: { sink: Sink; job: string; unit: string; id: string; compression: CompressionConfig; encryption: EncryptionPlan | undefined },
  signal: AbortSignal,
): ListingUpload {
  const extension = [`listing.${LISTING_FORMAT}`, compressionExtension(target.compression.algorithm), target.encryption ? 'age' : ''].filter(Boolean).join('.');
  const key = dataKey(target.job, target.unit, target.id, extension);
  const raw = new ByteMeter();
  const stored = new ByteMeter({ sha256: true });
  const stages = [listing, raw, createCompressStream(target.compression), ...(target.encryption ? [createEncryptStream(target.encryption)] : []), stored];
  const done = Promise.all([pipeline(stages, { signal }), target.sink.put(key, stored, signal)]).then(() => ({
    key,
    format: LISTING_FORMAT,
    raw_bytes: raw.bytes,
    stored_bytes: stored.bytes,
    sha256: stored.digest(),
  }));
  return { key, stored: done };
}

/** The listing seen as a snapshot of its own, so `openSnapshot` reads, checks and decrypts it. */
export function listingAsSnapshot(manifest: Manifest): Manifest | undefined {
  const listing = manifest.listing;
  if (!listing) return undefined;
  return { ...manifest, data_key: listing.key, data_format: listing.format, raw_bytes: listing.raw_bytes, stored_bytes: listing.stored_bytes, sha256: listing.sha256 };
}
