import type { CompressionAlgorithm } from '../config/types.js';

export const MANIFEST_FORMAT = 'vya-manifest';
export const MANIFEST_VERSION = 1;

export interface ManifestEncryption {
  type: 'age';
  /** X25519 recipients the file key was wrapped for; empty with a passphrase. */
  recipients: string[];
  passphrase: boolean;
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

/** Checks a parsed manifest enough that the rest of the code can trust its shape. */
export function parseManifest(text: string, key: string): Manifest {
  const value = JSON.parse(text) as Partial<Manifest>;
  const required: (keyof Manifest)[] = ['id', 'job', 'unit', 'data_key', 'sha256', 'stored_bytes', 'raw_bytes', 'started_at', 'compression'];
  if (value.format !== MANIFEST_FORMAT) throw new Error(`${key}: not a vya manifest`);
  if ((value.format_version ?? 0) > MANIFEST_VERSION) throw new Error(`${key}: manifest format ${value.format_version} is newer than this vya understands`);
  for (const field of required) {
    if (value[field] === undefined) throw new Error(`${key}: manifest lacks "${field}"`);
  }
  return value as Manifest;
}
