import type { Sink } from '@vya/plugin-api';
import type { Runtime } from '../runtime.js';
import { RepositoryLocks } from './repository-lock.js';
import type { LockMode } from './lock-rules.js';

/**
 * Runs `work` while holding a repository lock on `job`/`unit` in `sink`, and releases it
 * however `work` ends. Fails at once with a LOCKED error naming the holder when a
 * conflicting lock is live, unless `waitMs` allows waiting for it.
 */
export async function withLock<T>(runtime: Pick<Runtime, 'logger'>, sink: Sink, job: string, unit: string, operation: string, mode: LockMode, work: () => Promise<T>, waitMs = 0): Promise<T> {
  const lock = await new RepositoryLocks(sink, runtime.logger).acquire(job, unit, operation, waitMs, mode);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
