import picomatch from 'picomatch';
import { VyaError } from './errors.js';

export interface NameSelection {
  /** Globs; when given, only names matching one of them are kept. */
  include?: string[];
  /** Globs; names matching any of them are dropped (after include). */
  exclude?: string[];
}

/**
 * Applies include/exclude globs to discovered names (databases, path sets). Names an
 * include lists literally (no glob characters) but that do not exist are returned in
 * `missing`, so a source can fail loudly on a typo instead of silently backing up less.
 */
export function selectNames(names: string[], selection: NameSelection): { selected: string[]; missing: string[] } {
  const include = selection.include ?? [];
  const exclude = selection.exclude ?? [];
  const isIncluded = include.length === 0 ? () => true : picomatch(include);
  const isExcluded = exclude.length === 0 ? () => false : picomatch(exclude);
  const selected = names.filter((name) => isIncluded(name) && !isExcluded(name));
  const known = new Set(names);
  const missing = include.filter((pattern) => !picomatch.scan(pattern).isGlob && !known.has(pattern));
  return { selected, missing };
}

/** The legacy tool's `db_ignore`: a comma-separated string or a list. */
export function parseNameList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : value.split(',');
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

/** The error for `missing` from `selectNames`, for an engine whose units are databases. */
export function unknownDatabasesError(missing: string[], existing: string[]): VyaError {
  return new VyaError(`database${missing.length > 1 ? 's' : ''} in include not found on the server: ${missing.join(', ')}`, {
    code: 'UNKNOWN_DATABASE',
    hint: `existing databases: ${existing.join(', ')}`,
  });
}
