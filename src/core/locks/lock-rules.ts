import type { HolderProcess } from './holder-process.js';

/** A lock on a whole job (prune) rather than one unit. */
export const WHOLE_JOB = '*';

/** Shared: restore, verify (many at once). Exclusive: backup of a unit, prune of a job. */
export type LockMode = 'shared' | 'exclusive';

/** The content of a lock object. Times in it are the writer's, shown to people, never compared. */
export interface LockInfo {
  id: string;
  job: string;
  /** A unit name, or WHOLE_JOB. */
  unit: string;
  operation: string;
  mode: LockMode;
  host: string;
  pid: number;
  /** The holder, precisely enough to tell on its own machine that it exited (holder-process.ts). */
  process?: HolderProcess;
  created_at: string;
  /** How long the lock lives without a refresh; a duration, so no clock is trusted. */
  ttl_ms: number;
}

/**
 * Whether two locks cannot be held at once: exclusive locks of overlapping scope (a unit and
 * the same unit, or anything and the whole job), and a reader against a whole-job lock. A
 * backup only adds a snapshot and never changes what a reader reads, so it does not block
 * restore or verify of its unit.
 */
export function conflicts(a: LockInfo, b: LockInfo): boolean {
  if (a.job !== b.job) return false;
  if (a.unit !== WHOLE_JOB && b.unit !== WHOLE_JOB && a.unit !== b.unit) return false;
  if (a.mode === 'exclusive' && b.mode === 'exclusive') return true;
  return a.unit === WHOLE_JOB || b.unit === WHOLE_JOB;
}

/** Readers rank lowest, then unit locks, then whole-job locks. */
function rank(lock: LockInfo): number {
  if (lock.mode === 'shared') return 0;
  return lock.unit === WHOLE_JOB ? 2 : 1;
}

/**
 * Whether `mine` must withdraw on seeing the conflicting `other`: when `other` ranks as high
 * or higher. A higher-ranked taker keeps its lock and waits for lower-ranked holders to
 * finish (they withdraw when they see it, or finish if they took theirs first), so waits
 * only ever point down the ranks and cannot form a cycle.
 */
export function mustYield(mine: LockInfo, other: LockInfo): boolean {
  return rank(other) >= rank(mine);
}

export function describeLock(lock: LockInfo): string {
  const what = lock.unit === WHOLE_JOB ? `job ${lock.job}` : `${lock.job}/${lock.unit}`;
  return `${what} is locked by ${lock.operation} on ${lock.host} (pid ${lock.pid}) since ${lock.created_at} (${lock.mode} lock)`;
}
