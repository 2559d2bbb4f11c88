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

/**
 * Marks the temporary object a sink writes before renaming it into place (the local sink's
 * `<key>.vya-partial-<hex>`). One left behind by a killed process is debris, never data.
 */
export const PARTIAL_MARK = '.vya-partial-';

export function isPartialKey(key: string): boolean {
  return key.includes(PARTIAL_MARK);
}

/**
 * `<unit segment>/<snapshot id>` of a manifest or data key under `root` + job: the identity
 * that binds a data object to its manifest (ids hold no dots, so the id ends at the first).
 */
export function snapshotSlot(key: string, root: string, job: string): string | undefined {
  const prefix = `${root}${job}/`;
  if (!key.startsWith(prefix)) return undefined;
  const [unit, name, ...rest] = key.slice(prefix.length).split('/');
  if (!unit || !name || rest.length > 0) return undefined;
  return `${unit}/${name.split('.')[0]}`;
}
