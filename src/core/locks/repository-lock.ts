import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { errorMessage, VyaError, type Logger, type Sink } from '../../plugin-api/index.js';
import { encodeUnit } from '../repository/keys.js';

export const LOCK_ROOT = 'locks/';
/** A lock on a whole job (prune) rather than one unit. */
export const WHOLE_JOB = '*';

export interface LockInfo {
  id: string;
  job: string;
  unit: string;
  operation: string;
  host: string;
  pid: number;
  created_at: string;
  expires_at: string;
}

export interface ListedLock extends LockInfo {
  key: string;
  stale: boolean;
}

export interface LockOptions {
  /** How long a lock lives without a refresh; a crashed holder's lock goes stale after this. */
  ttlMs?: number;
  /** How long to keep trying when another process holds a conflicting lock (0: fail at once). */
  waitMs?: number;
  now?: () => number;
}

/**
 * Locks kept as objects in the sink itself, so that every host using the repository sees
 * them: `locks/<job>/<unit>/<id>.json`, with owner and expiry. Take one by writing it, then
 * listing: if an older live lock conflicts, withdraw and retry or fail. A holder refreshes its
 * lock while it works; a lock past its expiry is stale and can be broken with `vya unlock`.
 */
export class RepositoryLocks {
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly sink: Sink,
    private readonly logger: Logger,
    options: LockOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async acquire(job: string, unit: string, operation: string, waitMs = 0): Promise<HeldLock> {
    const deadline = this.now() + waitMs;
    for (;;) {
      const lock = this.newLock(job, unit, operation);
      const key = lockKey(lock);
      await this.write(key, lock);
      const conflict = (await this.list(job)).find((other) => other.id !== lock.id && !other.stale && conflicts(lock, other) && isOlder(other, lock));
      if (!conflict) return new HeldLock(this, key, lock, this.ttlMs, this.logger);
      await this.sink.delete(key);
      if (this.now() >= deadline) throw lockedError(lock, conflict);
      await sleep(250 + Math.random() * 750);
    }
  }

  async list(job?: string): Promise<ListedLock[]> {
    const locks: ListedLock[] = [];
    for await (const info of this.sink.list(job ? `${LOCK_ROOT}${job}/` : LOCK_ROOT)) {
      if (!info.key.endsWith('.json')) continue;
      try {
        const chunks: Buffer[] = [];
        for await (const chunk of await this.sink.get(info.key)) chunks.push(chunk as Buffer);
        const lock = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LockInfo;
        locks.push({ ...lock, key: info.key, stale: Date.parse(lock.expires_at) < this.now() });
      } catch (error) {
        // Released between list and get, or unreadable: not a live lock either way.
        this.logger.debug(`skipping lock ${info.key}: ${errorMessage(error)}`);
      }
    }
    return locks.sort((a, b) => a.created_at.localeCompare(b.created_at));
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

  async write(key: string, lock: LockInfo): Promise<void> {
    await this.sink.put(key, Readable.from([Buffer.from(JSON.stringify(lock))]));
  }

  async remove(key: string): Promise<void> {
    await this.sink.delete(key);
  }

  expiryFromNow(): string {
    return new Date(this.now() + this.ttlMs).toISOString();
  }

  private newLock(job: string, unit: string, operation: string): LockInfo {
    const now = this.now();
    return {
      id: `${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`,
      job,
      unit,
      operation,
      host: hostname(),
      pid: process.pid,
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.ttlMs).toISOString(),
    };
  }
}

/** A lock this process holds; refreshed in the background until released. */
export class HeldLock {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly locks: RepositoryLocks,
    readonly key: string,
    private lock: LockInfo,
    ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.refresh(), Math.max(1000, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.locks.remove(this.key);
    } catch (error) {
      this.logger.warn(`could not release lock ${this.key}: ${errorMessage(error)}`);
    }
  }

  private async refresh(): Promise<void> {
    this.lock = { ...this.lock, expires_at: this.locks.expiryFromNow() };
    try {
      await this.locks.write(this.key, this.lock);
    } catch (error) {
      this.logger.warn(`could not refresh lock ${this.key}: ${errorMessage(error)}`);
    }
  }
}

export function lockKey(lock: Pick<LockInfo, 'job' | 'unit' | 'id'>): string {
  const unit = lock.unit === WHOLE_JOB ? WHOLE_JOB : encodeUnit(lock.unit);
  return `${LOCK_ROOT}${lock.job}/${unit}/${lock.id}.json`;
}

function conflicts(a: LockInfo, b: LockInfo): boolean {
  return a.job === b.job && (a.unit === WHOLE_JOB || b.unit === WHOLE_JOB || a.unit === b.unit);
}

/** The older lock wins a race; both processes order the pair the same way. */
function isOlder(a: LockInfo, b: LockInfo): boolean {
  return a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id);
}

function lockedError(wanted: LockInfo, holder: LockInfo): VyaError {
  const what = holder.unit === WHOLE_JOB ? `job ${holder.job}` : `${holder.job}/${holder.unit}`;
  return new VyaError(`${what} is locked by ${holder.operation} on ${holder.host} (pid ${holder.pid}) since ${holder.created_at}, until ${holder.expires_at}`, {
    code: 'LOCKED',
    exitCode: 1,
    hint: `wait for it to finish; if that process is gone, the lock goes stale at ${holder.expires_at} and \`vya unlock --job ${wanted.job}\` removes it`,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
