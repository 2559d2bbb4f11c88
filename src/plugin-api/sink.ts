import type { Readable } from 'node:stream';
import type { CheckItem } from './check.js';

export interface ObjectInfo {
  key: string;
  size: number;
  modified?: Date;
}

/**
 * A storage target. Keys are '/'-separated relative paths chosen by the core; a sink maps
 * them under its own prefix or directory.
 */
export interface Sink {
  /**
   * Stores `data` under `key`, atomically: the object is visible under `key` only once it
   * is complete. When `data` errors or `signal` aborts, nothing is left under `key` and the
   * promise rejects. Overwrites an existing object.
   */
  put(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo>;
  /** Reads an object; rejects with NotFoundError when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Readable>;
  /** Every object whose key starts with `prefix`, in any order, paginated underneath. */
  list(prefix: string, signal?: AbortSignal): AsyncIterable<ObjectInfo>;
  /**
   * Optional: the temporary objects under `prefix` that this sink's own puts write before an
   * object becomes visible (e.g. the local sink's `<key>.vya-partial-<hex>`), which a killed
   * process can leave behind; `list` never shows them. `vya prune --orphans` removes old ones
   * with `delete`. A sink without such objects (S3 and GCS uploads) leaves this out.
   */
  listPartial?(prefix: string, signal?: AbortSignal): AsyncIterable<ObjectInfo>;
  /** Size and time of an object, or undefined when there is none. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Removes an object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Sink-specific checks (bucket exists, region); the core adds a write/read/list/delete probe. */
  check?(signal?: AbortSignal): Promise<CheckItem[]>;
  close?(): Promise<void>;
}

/**
 * An object-store key prefix from config: no leading slash, one trailing slash, or '' for
 * none (`/vya` and `vya//` both become `vya/`).
 */
export function normalizeKeyPrefix(prefix: unknown): string {
  return typeof prefix === 'string' && prefix ? prefix.replace(/^\/+/, '').replace(/\/*$/, '/') : '';
}
