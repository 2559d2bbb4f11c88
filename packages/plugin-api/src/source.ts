import type { Readable } from 'node:stream';
import type { CheckItem } from './check.js';

/** Something a source can back up on its own: a database, the cluster globals, a path set. */
export interface BackupUnit {
  /** Unique within the source; becomes part of storage keys (the core escapes it). */
  name: string;
  /** What kind of unit this is, e.g. 'database', 'globals', 'users', 'paths'. */
  kind: string;
}

/**
 * Facts about a dump recorded in the manifest (`source_metadata`): versions, sizes, tables...
 * One key has a meaning for the core: `unread`, the number of entries the source could not
 * read (permissions, I/O errors) and stored without, or not whole, with `unread_first`, the
 * first such message. A unit with `unread > 0` keeps its snapshot but is reported `partial`
 * (the run is not green, `vya backup` exits 1): an incomplete backup must not look complete.
 */
export type UnitMetadata = Record<string, unknown>;

export interface BackupStream {
  /** The engine's native dump format, uncompressed and unencrypted. */
  data: Readable;
  /** What the bytes are, used as the stored object's extension: 'tar', 'pgdump', 'sql', ... */
  format: string;
  /**
   * Settles once the source has finished: resolves with metadata when the dump is complete
   * and correct (e.g. the child process exited 0), rejects otherwise. The core writes the
   * manifest only after this resolves, so a dump that failed after its last byte still fails.
   */
  completed: Promise<UnitMetadata>;
  /**
   * Optional: a second stream produced in the same pass as `data`, e.g. a files source's
   * per-file listing (path, size, mode, sha256) for restore drills. The core stores it as a
   * second object next to the data, compressed and encrypted the same way, and references it
   * from the manifest (`listing`); it is read back only for `Source.drillCheck`. It must end
   * when `data` ends, and is consumed concurrently with `data` (both apply backpressure).
   */
  listing?: Readable;
}

export interface RestoreOptions {
  /** Where to restore: a directory for file sets; sources restore into their own server. */
  target?: string;
  /** Restore a database under another name (created when missing). */
  database?: string;
  /**
   * Replace existing objects. Without it, a restore into a database that exists and holds
   * objects is refused before anything is touched (every engine, also those whose dumps drop
   * objects themselves).
   */
  clean?: boolean;
  /** Parallel restore workers, where the engine supports it. */
  jobs?: number;
  /** Show what would be done without doing it. */
  dryRun?: boolean;
  /** Overwrite existing files (file sets). */
  overwrite?: boolean;
}

export interface RestoreRequest {
  unit: BackupUnit;
  /** The dump as the source produced it (already decrypted and decompressed). */
  data: Readable;
  /** The manifest's `source_metadata` of the snapshot being restored. */
  metadata: UnitMetadata;
  options: RestoreOptions;
}

/** What a source says about a restore before any data is read (see `Source.planRestore`). */
export interface RestorePlan {
  /**
   * True when nothing is applied for good unless the data stream ends cleanly: one
   * transaction that commits only after the last byte, or data staged and moved into place
   * after 'end'. Otherwise the core reads the whole snapshot once to verify it first.
   */
  waitsForCleanEnd: boolean;
}

export interface RestoreResult {
  /** One line for the user: what was restored where. */
  summary: string;
  /** Anything the engine wants to report (`--dry-run` output, counts). */
  details?: Record<string, unknown>;
}

/** The scratch target a restore drill restored into. */
export interface DrillTarget {
  /** The scratch database, for sources that restore into a server. */
  database?: string;
  /** The scratch directory, for sources that restore into a directory. */
  directory?: string;
}

export interface DrillCheckRequest {
  unit: BackupUnit;
  target: DrillTarget;
  /** The manifest's `source_metadata` of the snapshot that was restored. */
  metadata: UnitMetadata;
  /** The snapshot's stored listing (`BackupStream.listing`), decrypted; absent when none was stored. */
  listing?: Readable;
  /**
   * Reads the restored snapshot's data once more, decrypted and decompressed (the stream fails
   * at its end if the stored bytes do not match the manifest's sha256), for a check that
   * compares the restored target with the data itself. Destroy it to stop early.
   */
  openData?: (signal: AbortSignal) => Promise<Readable>;
}

export interface DrillCheckResult {
  /** What was compared, in a few words, e.g. '12 tables, 10452 rows'. */
  checked: string;
  /** One line per mismatch, naming the thing, e.g. 'table public.orders missing'. Empty when all matched. */
  problems: string[];
}

/** A database engine or a file set. Instances are created per configured source. */
export interface Source {
  /** Reachability, tools present and new enough, credentials valid. Never throws for a failed check. */
  check(signal?: AbortSignal): Promise<CheckItem[]>;
  /** The units this source would back up now, after include/exclude. */
  discover(signal?: AbortSignal): Promise<BackupUnit[]>;
  /** Starts dumping one unit. Abort `signal` to stop it (kill the child, close the cursor). */
  backup(unit: BackupUnit, signal: AbortSignal): Promise<BackupStream>;
  /**
   * Where `--to` points for this source's snapshots: 'source' (default: a configured source
   * of the same type, e.g. a database server) or 'directory' (a path, for file sets).
   */
  readonly restoresInto?: 'source' | 'directory';
  /**
   * Checks the target before any data is read and throws a VyaError to refuse (e.g. a database
   * that holds objects, without `clean`). Called for `--dry-run` too. Without it the core
   * assumes the restore cannot roll back and verifies the whole snapshot first.
   */
  planRestore?(unit: BackupUnit, options: RestoreOptions, signal: AbortSignal): Promise<RestorePlan>;
  /**
   * Consumes `request.data` and writes it back into the engine or the target directory.
   * `request.data` emits 'error' instead of 'end' when the snapshot is damaged; a source that
   * can, commits only after a clean 'end'. With `dryRun`, read only what is needed: the core
   * closes the stream once `restore` returns.
   */
  restore(request: RestoreRequest, signal: AbortSignal): Promise<RestoreResult>;
  /**
   * Restore drills: why this unit cannot be drilled, or undefined when it can. A unit that
   * restores into the server itself rather than into a database (cluster roles, users and
   * grants) must say so: a drill never touches anything but its scratch target.
   */
  cannotDrill?(unit: BackupUnit): string | undefined;
  /**
   * Restore drills (`vya drill`): throws a VyaError when `database` already exists on this
   * source, so that a drill never restores into, nor later drops, a database it did not create.
   */
  assertScratchFree?(database: string, signal: AbortSignal): Promise<void>;
  /**
   * Restore drills: inspects a freshly restored scratch target against what the backup
   * recorded (tables and row counts in `metadata`, a file listing) and says what differs.
   * Throws only when it cannot inspect at all.
   */
  drillCheck?(request: DrillCheckRequest, signal: AbortSignal): Promise<DrillCheckResult>;
  /** Restore drills: removes a scratch database this drill created (directories are removed by the core). */
  dropScratch?(target: DrillTarget, signal: AbortSignal): Promise<void>;
  /** Releases pools and connections. */
  close?(): Promise<void>;
}
