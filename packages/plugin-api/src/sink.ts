import type { Readable } from 'node:stream';
import type { CheckItem } from './check.js';
import { VyaError } from './errors.js';

export interface ObjectInfo {
  key: string;
  size: number;
  /**
   * When the object was last written, by the storage's own clock (the server's for object
   * stores, the file system's mtime for directories). Required: prune judges the age of
   * unreferenced data by it, and locks judge staleness by it without trusting any host's clock.
   */
  modified: Date;
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
  /**
   * Stores `data` under `key` only if no object exists there, as one atomic step: of any
   * number of concurrent callers for one key (on any host), exactly one creates the object
   * and resolves its info; every other one resolves `undefined` and writes nothing. An
   * existing object is never changed. As with put, the object is visible only once complete.
   * Meant for small objects (repository locks): a sink may buffer `data` in memory.
   *
   * Optional: a sink whose storage cannot do this atomically (local: link(2) of a complete
   * temporary file; S3: PutObject with If-None-Match: *; GCS: ifGenerationMatch=0) leaves
   * the method out, and the core falls back to create → wait → re-check, which is weaker
   * (see docs/locks.md). Never implement it as stat-then-put.
   */
  putIfAbsent?(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo | undefined>;
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

/**
 * An object's modification time, or a clear error for a sink (written against an older
 * contract) that does not report one: age decisions never silently skip an object.
 */
export function modifiedOf(info: ObjectInfo): Date {
  if (info.modified instanceof Date && !Number.isNaN(info.modified.getTime())) return info.modified;
  throw new VyaError(`the sink listed "${info.key}" without a modification time`, {
    code: 'SINK_NO_MODIFIED',
    hint: 'the sink plugin must report ObjectInfo.modified (see docs/plugin-authors.md); update the plugin',
  });
}
