/**
 * Where things live in a sink. Manifests and data sit under parallel trees keyed by job and
 * unit, so "every snapshot of a job" or "of a unit" is one prefix listing:
 *
 *   snapshots/<job>/<unit>/<id>.json        the manifest: written last, the commit marker
 *   data/<job>/<unit>/<id>.<format>.<ext>   the stored bytes
 */
export const MANIFEST_ROOT = 'snapshots/';
export const DATA_ROOT = 'data/';

/** Unit names come from databases and paths: keep them one safe, reversible path segment. */
export function encodeUnit(unit: string): string {
  return encodeURIComponent(unit).replace(/\./g, (dot, offset: number) => (offset === 0 ? '%2E' : dot));
}

export function decodeUnit(segment: string): string {
  return decodeURIComponent(segment);
}

export function manifestPrefix(job?: string, unit?: string): string {
  if (job === undefined) return MANIFEST_ROOT;
  if (unit === undefined) return `${MANIFEST_ROOT}${job}/`;
  return `${MANIFEST_ROOT}${job}/${encodeUnit(unit)}/`;
}

export function manifestKey(job: string, unit: string, snapshotId: string): string {
  return `${manifestPrefix(job, unit)}${snapshotId}.json`;
}

export function dataPrefix(job?: string, unit?: string): string {
  if (job === undefined) return DATA_ROOT;
  if (unit === undefined) return `${DATA_ROOT}${job}/`;
  return `${DATA_ROOT}${job}/${encodeUnit(unit)}/`;
}

export function dataKey(job: string, unit: string, snapshotId: string, extension: string): string {
  return `${dataPrefix(job, unit)}${snapshotId}.${extension}`;
}

export function isManifestKey(key: string): boolean {
  return key.startsWith(MANIFEST_ROOT) && key.endsWith('.json');
}
