import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { errorMessage, isNotFound, modifiedOf, VyaError, type Logger, type Sink } from '@vya/plugin-api';
import { encodeUnit } from '../repository/keys.js';
import { holderIsGone, thisHolderProcess, type HolderProcess } from './holder-process.js';
import { conflicts, describeLock, mustYield, type LockInfo, type LockMode } from './lock-rules.js';

import { WHOLE_JOB } from './lock-rules.js';

export { WHOLE_JOB, type LockInfo, type LockMode } from './lock-rules.js';

export const LOCK_ROOT = 'locks/';
export const DEFAULT_LOCK_TTL_MS = 10 * 60_000;

export interface ListedLock extends LockInfo {
  key: string;
  /** When the storage last saw the lock written (its holder's last refresh), by the storage's clock. */
  refreshed_at: string;
  /** Time since that refresh, by the storage's clock. */
  idle_ms: number;
  /** Not refreshed within its TTL, or its holder has exited (holder_gone). */
  stale: boolean;
  /** The holder ran on this machine, in this PID namespace, and has exited (holder-process.ts). */
  holder_gone: boolean;
}

export interface LockOptions {
  /** How long a lock lives without a refresh; a crashed holder's lock goes stale after this. */
  ttlMs?: number;
  /** Only for the informational created_at and id: no decision reads a clock of any host. */
  now?: () => number;
  /** Sinks without putIfAbsent: how long to wait between writing a lock and listing. */
  settleMs?: number;
  /** Pause between re-checks while waiting for a conflicting lock (with jitter). */
  retryMs?: number;
}

type Attempt = { held: HeldLock } | { blocker: ListedLock | LockInfo };

/**
 * Locks kept as objects in the sink itself, so that every host using the repository sees
 * them (docs/locks.md has the protocol and why it is safe):
 *
 * - shared `locks/<job>/<unit>/shared-<id>.json` (restore, verify): written, then the job's
 *   locks are listed; a conflicting exclusive lock makes the reader withdraw.
 * - exclusive `locks/<job>/<unit or *>/exclusive-<n>.json` (backup of a unit, prune of the
 *   job): created with the sink's atomic putIfAbsent, so of two takers of one scope exactly one
 *   succeeds (sinks without it: `exclusive-<n>-<id>.json`, written, then a settling wait);
 *   then the job's locks are listed. Lower-ranked holders it sees (readers and backups, for
 *   a prune) are waited for while the marker stays, so newcomers see it and give way.
 *
 * Every taker writes before it lists, so of two conflicting takers at least one sees the
 * other, and the rules never let both go on: no decision compares times written by hosts.
 * A lock is stale when the storage's own modification time of it is older than its TTL,
 * measured against a probe object written to the same storage just before.
 */
export class RepositoryLocks {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly settleMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly sink: Sink,
    private readonly logger: Logger,
    options: LockOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    this.now = options.now ?? Date.now;
    this.settleMs = options.settleMs ?? 500;
    this.retryMs = options.retryMs ?? 500;
  }

  /** Takes a lock, or fails with LOCKED naming the holder once `waitMs` has passed. */
  async acquire(job: string, unit: string, operation: string, waitMs = 0, mode: LockMode = 'exclusive'): Promise<HeldLock> {
    // The deadline is this process's own duration: no other host's clock is involved.
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.tryOnce(this.newLock(job, unit, operation, mode), deadline);
      if ('held' in outcome) return outcome.held;
      if (Date.now() >= deadline) throw lockedError(outcome.blocker, job, this.ttlMs);
      await sleep(jitter(this.retryMs * Math.min(2 ** attempt, 8)));
    }
  }

  /**
   * The locks under `locks/[job/]`, each judged live or stale by the storage's clock, but for
   * the one under `except` (the caller's own). Reading that clock writes a probe object, so
   * it is read only when there is another lock to judge: a lock nobody contends costs no probe.
   */
  async list(job?: string, except?: string): Promise<ListedLock[]> {
    const prefix = job ? `${LOCK_ROOT}${job}/` : LOCK_ROOT;
    const found: { key: string; modified: Date }[] = [];
    for await (const info of this.sink.list(prefix)) if (info.key.endsWith('.json') && info.key !== except) found.push({ key: info.key, modified: modifiedOf(info) });
    if (found.length === 0) return [];
    const storageNow = await this.storageNow(prefix);
    const locks: ListedLock[] = [];
    for (const info of found) {
      const lock = await this.read(info.key);
      if (!lock) continue;
      const idle = Math.max(0, storageNow - info.modified.getTime());
      const gone = holderIsGone(lock);
      locks.push({ ...lock, key: info.key, refreshed_at: info.modified.toISOString(), idle_ms: idle, stale: gone || idle > lock.ttl_ms, holder_gone: gone });
    }
    return locks.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Removes stale locks (all locks with `all`), for `vya unlock`. */
  async breakLocks(options: { job?: string; all?: boolean }): Promise<ListedLock[]> {
    const removed: ListedLock[] = [];
    for (const lock of await this.list(options.job)) {
      if (!lock.stale && !options.all) continue;
      await this.sink.delete(lock.key);
      removed.push(lock);
    }
    return removed;
  }

  /** Rewrites a held lock so the storage's modification time of it moves on; false when it is no longer ours. */
  async refresh(key: string, lock: LockInfo): Promise<boolean> {
    // Ours still? Another process may have removed it as stale and taken the key since.
    if ((await this.read(key))?.id !== lock.id) return false;
    await this.sink.put(key, body(lock));
    return true;
  }

  async remove(key: string): Promise<void> {
    await this.sink.delete(key);
  }

  private async tryOnce(lock: LockInfo, deadline: number): Promise<Attempt> {
    const before = await this.list(lock.job);
    const blocker = before.find((other) => !other.stale && conflicts(lock, other) && mustYield(lock, other));
    if (blocker) return { blocker };
    const created = await this.create(lock, before);
    if ('blocker' in created) return created;
    const held = new HeldLock(this, created.key, lock, this.ttlMs, this.logger);
    for (;;) {
      const others = (await this.list(lock.job, held.key)).filter((other) => !other.stale && conflicts(lock, other));
      if (others.length === 0) return { held };
      const stronger = others.find((other) => mustYield(lock, other));
      if (stronger || Date.now() >= deadline) {
        await held.release();
        return { blocker: stronger ?? others[0] };
      }
      // Only weaker holders are in the way: keep the lock, so newcomers yield, until they finish.
      this.logger.debug(`waiting for ${others.map((other) => describeLock(other)).join(', ')}`);
      await sleep(jitter(this.retryMs));
    }
  }

  /** Writes the lock object: shared ones under their own id, exclusive ones create-if-absent. */
  private async create(lock: LockInfo, seen: ListedLock[]): Promise<{ key: string } | { blocker: ListedLock | LockInfo }> {
    const scope = `${LOCK_ROOT}${lock.job}/${scopeName(lock.unit)}/`;
    if (lock.mode === 'shared') {
      const key = `${scope}shared-${lock.id}.json`;
      await this.sink.put(key, body(lock));
      return { key };
    }
    // A fresh number per taking: a stale marker is superseded, never deleted and re-created
    // under its own name, so two breakers of one stale lock cannot both succeed.
    const numbers = seen.filter((other) => other.key.startsWith(scope)).map((other) => /^exclusive-(\d+)/.exec(other.key.slice(scope.length))?.[1] ?? '0');
    const n = Math.max(0, ...numbers.map(Number)) + 1;
    const key = this.sink.putIfAbsent ? `${scope}exclusive-${n}.json` : `${scope}exclusive-${n}-${lock.id}.json`;
    if (this.sink.putIfAbsent) {
      if (!(await this.sink.putIfAbsent(key, body(lock)))) return { blocker: (await this.read(key)) ?? lock };
    } else {
      // restic's scheme where the storage has no atomic create: write a lock under a name of
      // one's own, wait for listings to settle, and let the listing that follows decide.
      await this.sink.put(key, body(lock));
      await sleep(this.settleMs);
    }
    for (const old of seen) {
      if (!old.stale || !old.key.startsWith(scope) || old.mode !== 'exclusive') continue;
      await this.sink.delete(old.key);
      this.logger.info(`removed the stale lock ${old.key} (${old.operation} by ${old.host} pid ${old.pid}: ${old.holder_gone ? 'that process has exited' : `not refreshed for ${Math.round(old.idle_ms / 1000)} s`})`);
    }
    return { key };
  }

  private async read(key: string): Promise<LockInfo | undefined> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.sink.get(key)) chunks.push(chunk as Buffer);
      return normalize(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<LockInfo>, this.ttlMs);
    } catch (error) {
      // Released between list and get, or unreadable: not a live lock either way.
      if (!isNotFound(error)) this.logger.debug(`skipping lock ${key}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** The storage's clock now: the modification time of a probe object written just for this. */
  private async storageNow(prefix: string): Promise<number> {
    const key = `${prefix}probe-${randomBytes(6).toString('hex')}.tmp`;
    let info;
    try {
      info = await this.sink.put(key, Readable.from([Buffer.from('probe')]));
    } catch (error) {
      // Read-only credentials (`vya locks` from an auditor's machine): this host's clock is all there is.
      this.logger.warn(`cannot write a probe to read the storage's clock (${errorMessage(error)}); judging stale locks by this host's clock`);
      return Date.now();
    }
    await this.sink.delete(key);
    return modifiedOf(info).getTime();
  }

  private newLock(job: string, unit: string, operation: string, mode: LockMode): LockInfo {
    const now = new Date(this.now());
    return {
      id: `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`,
      job,
      unit,
      operation,
      mode,
      host: hostname(),
      pid: process.pid,
      process: thisHolderProcess(),
      created_at: now.toISOString(),
      ttl_ms: this.ttlMs,
    };
  }
}

/** A lock this process holds; refreshed in the background until released. */
export class HeldLock {
  private readonly timer: NodeJS.Timeout;
  private lost = false;

  constructor(
    private readonly locks: RepositoryLocks,
    readonly key: string,
    readonly lock: LockInfo,
    ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.refresh(), Math.max(1000, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    if (this.lost) return;
    try {
      await this.locks.remove(this.key);
    } catch (error) {
      this.logger.warn(`could not release lock ${this.key}: ${errorMessage(error)}`);
    }
  }

  private async refresh(): Promise<void> {
    if (this.lost) return;
    try {
      if (await this.locks.refresh(this.key, this.lock)) return;
      // Someone judged it stale (this process stalled longer than the TTL) and removed it:
      // writing it back could let two holders overlap, so say so and stop refreshing.
      this.lost = true;
      clearInterval(this.timer);
      this.logger.error(`lock ${this.key} was removed by another process (judged stale); ${this.lock.operation} continues without it`);
    } catch (error) {
      this.logger.warn(`could not refresh lock ${this.key}: ${errorMessage(error)}`);
    }
  }
}

/** The key of a lock as written by vya before shared locks existed (tests plant these). */
export function lockKey(lock: Pick<LockInfo, 'job' | 'unit' | 'id'>): string {
  return `${LOCK_ROOT}${lock.job}/${scopeName(lock.unit)}/${lock.id}.json`;
}

function scopeName(unit: string): string {
  return unit === WHOLE_JOB ? WHOLE_JOB : encodeUnit(unit);
}

/** Locks written by older vya have no mode (they were all exclusive) and no TTL. */
function normalize(raw: Partial<LockInfo>, ttlMs: number): LockInfo {
  return {
    id: String(raw.id ?? ''),
    job: String(raw.job ?? ''),
    unit: String(raw.unit ?? ''),
    operation: String(raw.operation ?? 'unknown'),
    mode: raw.mode === 'shared' ? 'shared' : 'exclusive',
    host: String(raw.host ?? 'unknown'),
    pid: Number(raw.pid ?? 0),
    process: holderProcessOf(raw.process),
    created_at: String(raw.created_at ?? ''),
    ttl_ms: typeof raw.ttl_ms === 'number' && raw.ttl_ms > 0 ? raw.ttl_ms : ttlMs,
  };
}

/** Only a complete, well-typed record can tell that a holder is gone. */
function holderProcessOf(raw: unknown): HolderProcess | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const { boot_id, pid_ns, uid, start_ticks } = raw as Partial<HolderProcess>;
  if (typeof boot_id !== 'string' || typeof pid_ns !== 'string' || typeof uid !== 'number' || typeof start_ticks !== 'string') return undefined;
  return { boot_id, pid_ns, uid, start_ticks };
}

function body(lock: LockInfo): Readable {
  return Readable.from([Buffer.from(JSON.stringify(lock))]);
}

function lockedError(holder: ListedLock | LockInfo, job: string, ttlMs: number): VyaError {
  const ttl = Math.round(('ttl_ms' in holder ? holder.ttl_ms : ttlMs) / 60_000);
  return new VyaError(`${describeLock(holder)}${'refreshed_at' in holder ? `, last refreshed ${holder.refreshed_at}` : ''}`, {
    code: 'LOCKED',
    exitCode: 1,
    hint: `wait for it to finish; if that process is gone, its lock goes stale ${ttl} min after its last refresh and \`vya unlock --job ${job}\` removes it`,
  });
}

function jitter(ms: number): number {
  return ms / 2 + Math.random() * ms;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
