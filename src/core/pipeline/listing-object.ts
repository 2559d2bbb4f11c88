import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CompressionConfig } from '../config/types.js';
import { dataKey } from '../repository/keys.js';
import type { Manifest, ManifestListing } from '../repository/manifest.js';
import { compressionExtension, createCompressStream } from './compression.js';
import { createEncryptStream, type EncryptionPlan } from './encryption.js';
import { FanOut } from './fan-out.js';
import { ByteMeter } from './measure.js';

/** The stored listing's format: one JSON object per line (see the files plugin). */
export const LISTING_FORMAT = 'jsonl';

export interface ListingUpload {
  key: string;
  /** Settles once the listing is stored; resolves with what the manifest records of it. */
  stored: Promise<ManifestListing>;
}

/** Where a listing goes: the key it is stored under, how it is encoded, and one put per sink. */
export interface ListingTarget {
  key: string;
  compression: CompressionConfig;
  encryption: EncryptionPlan | undefined;
  /** The sinks' puts, each reading its own copy of the stored bytes (a FanOut branch). */
  tee: FanOut;
  putAll: (signal: AbortSignal) => Promise<void>;
}

export function listingKey(target: { job: string; unit: string; id: string; compression: CompressionConfig; encryption: EncryptionPlan | undefined }): string {
  const extension = [`listing.${LISTING_FORMAT}`, compressionExtension(target.compression.algorithm), target.encryption ? 'age' : ''].filter(Boolean).join('.');
  return dataKey(target.job, target.unit, target.id, extension);
}

/**
 * Stores a source's listing (`BackupStream.listing`) next to the data object, through the same
 * compression and encryption: it names every file, so it is as secret as the data. Streamed,
 * concurrently with the data, and encrypted once for every sink, so each sink's copy (and the
 * manifests' record of it) is the same.
 */
export async function storeListing(listing: Readable, target: ListingTarget, signal: AbortSignal): Promise<ManifestListing> {
  const raw = new ByteMeter();
  const stored = new ByteMeter({ sha256: true });
  const stages = [listing, raw, createCompressStream(target.compression), ...(target.encryption ? [createEncryptStream(target.encryption)] : []), stored, target.tee];
  await Promise.all([pipeline(stages, { signal }), target.putAll(signal)]);
  return { key: target.key, format: LISTING_FORMAT, raw_bytes: raw.bytes, stored_bytes: stored.bytes, sha256: stored.digest() };
}

/** The listing seen as a snapshot of its own, so `openSnapshot` reads, checks and decrypts it. */
export function listingAsSnapshot(manifest: Manifest): Manifest | undefined {
  const listing = manifest.listing;
  if (!listing) return undefined;
  return { ...manifest, data_key: listing.key, data_format: listing.format, raw_bytes: listing.raw_bytes, stored_bytes: listing.stored_bytes, sha256: listing.sha256 };
}
