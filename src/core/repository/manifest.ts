import { errorMessage, VyaError } from '@vya/plugin-api';
import { formatPath, validateAgainstSchema } from '../config/schema-validator.js';
import type { CompressionAlgorithm } from '../config/types.js';
import { dataPrefix, manifestKey } from './keys.js';
import { MANIFEST_SCHEMA } from './manifest-schema.js';

export const MANIFEST_FORMAT = 'vya-manifest';
export const MANIFEST_VERSION = 1;

export interface ManifestEncryption {
  type: 'age';
  /** X25519 recipients the file key was wrapped for; empty with a passphrase. */
  recipients: string[];
  passphrase: boolean;
}

/** A second stored object of the snapshot: the source's listing (e.g. every file with its sha256). */
export interface ManifestListing {
  key: string;
  format: string;
  raw_bytes: number;
  stored_bytes: number;
  sha256: string;
}

/** The JSON document that makes a snapshot exist. Field names are the on-storage format. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  format_version: number;
  id: string;
  run_id: string;
  job: string;
  source: { name: string; type: string };
  sink: string;
  unit: { name: string; kind: string };
  data_key: string;
  data_format: string;
  started_at: string;
  finished_at: string;
  raw_bytes: number;
  stored_bytes: number;
  sha256: string;
  compression: { algorithm: CompressionAlgorithm; level?: number };
  encryption: ManifestEncryption | null;
  source_metadata: Record<string, unknown>;
  /** Optional (vya 0.x+ with drills): the listing object, compressed and encrypted like the data. */
  listing?: ManifestListing;
  plugins: Record<string, string>;
  host: string;
  vya_version: string;
}

/** What `vya snapshots --json` prints for each snapshot. */
export interface SnapshotSummary {
  id: string;
  job: string;
  unit: string;
  kind: string;
  source: string;
  source_type: string;
  sink: string;
  time: string;
  raw_bytes: number;
  stored_bytes: number;
  sha256: string;
  compression: string;
  encrypted: boolean;
  host: string;
}

export function summarize(manifest: Manifest): SnapshotSummary {
  return {
    id: manifest.id,
    job: manifest.job,
    unit: manifest.unit.name,
    kind: manifest.unit.kind,
    source: manifest.source.name,
    source_type: manifest.source.type,
    sink: manifest.sink,
    time: manifest.started_at,
    raw_bytes: manifest.raw_bytes,
    stored_bytes: manifest.stored_bytes,
    sha256: manifest.sha256,
    compression: manifest.compression.algorithm,
    encrypted: manifest.encryption !== null,
    host: manifest.host,
  };
}

/**
 * A manifest that cannot be used: not JSON, not of the schema, not bound to the key it sits
 * under, or of a newer format. Reported by key; never skipped silently.
 */
export class ManifestError extends VyaError {
  constructor(
    readonly key: string,
    reason: string,
    code = 'BAD_MANIFEST',
  ) {
    super(`manifest ${key}: ${reason}`, { code, hint: code === 'MANIFEST_TOO_NEW' ? 'upgrade vya to read this repository' : 'inspect or remove the object; `vya verify --all` lists every such manifest' });
  }
}

/**
 * Parses a manifest and checks it against the schema (types, not only presence) and against
 * its key: the job, unit and id it claims must be the ones its key names, and its data object
 * must be that snapshot's own, so a planted or misplaced manifest cannot point at other data.
 */
export function parseManifest(text: string, key: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(key, `not valid JSON (${errorMessage(error)})`);
  }
  const head = (value ?? {}) as { format?: unknown; format_version?: unknown };
  if (typeof value !== 'object' || value === null || head.format !== MANIFEST_FORMAT) throw new ManifestError(key, 'not a vya manifest');
  if (typeof head.format_version === 'number' && head.format_version > MANIFEST_VERSION) {
    throw new ManifestError(key, `format_version ${head.format_version} is newer than this vya understands (${MANIFEST_VERSION})`, 'MANIFEST_TOO_NEW');
  }
  const problems = validateAgainstSchema(MANIFEST_SCHEMA, value);
  if (problems.length > 0) throw new ManifestError(key, problems.map((p) => `${formatPath(p.path) || 'document'} ${p.message}`).join('; '));
  const manifest = value as Manifest;
  if (Number.isNaN(Date.parse(manifest.started_at)) || Number.isNaN(Date.parse(manifest.finished_at))) throw new ManifestError(key, 'started_at/finished_at is not a date');
  if (manifestKey(manifest.job, manifest.unit.name, manifest.id) !== key) throw new ManifestError(key, `claims to be ${manifest.job}/${manifest.unit.name}@${manifest.id}, which belongs under another key`);
  if (!manifest.data_key.startsWith(`${dataPrefix(manifest.job, manifest.unit.name)}${manifest.id}.`)) throw new ManifestError(key, `data_key ${manifest.data_key} is not this snapshot's data object`);
  if (manifest.listing && !manifest.listing.key.startsWith(`${dataPrefix(manifest.job, manifest.unit.name)}${manifest.id}.`)) throw new ManifestError(key, `listing key ${manifest.listing.key} is not this snapshot's own object`);
  return manifest;
}

/** Every stored object of a snapshot besides its manifest: the data, and the listing when there is one. */
export function objectKeys(manifest: Manifest): string[] {
  return manifest.listing ? [manifest.data_key, manifest.listing.key] : [manifest.data_key];
}
