import type { SinkResult } from '@vya/plugin-api';
import { RepositoryLocks, type HeldLock } from '../locks/repository-lock.js';
import type { SinkFailure, SinkTarget } from '../pipeline/sink-fan-out.js';
import { Repository } from '../repository/repository.js';
import type { Runtime } from '../runtime.js';

export interface JobSink extends SinkTarget {
  locks: RepositoryLocks;
}

/** The job's sinks, created (and checked by their plugins) before any unit starts. */
export async function openSinks(runtime: Runtime, names: string[]): Promise<JobSink[]> {
  const sinks: JobSink[] = [];
  for (const name of names) {
    const instance = await runtime.sink(name);
    sinks.push({ name, instance, repository: new Repository(instance, name, runtime.logger), locks: new RepositoryLocks(instance, runtime.logger) });
  }
  return sinks;
}

export interface LockedSinks {
  held: { target: JobSink; lock: HeldLock }[];
  /** Sinks whose lock could not be taken (held by another process, unreachable): not written. */
  failures: SinkFailure[];
}

/** A unit's backup lock in each sink, as a one-sink backup takes it; a sink that refuses is left out. */
export async function lockSinks(sinks: JobSink[], job: string, unit: string): Promise<LockedSinks> {
  const locked: LockedSinks = { held: [], failures: [] };
  const attempts = await Promise.allSettled(sinks.map((target) => target.locks.acquire(job, unit, 'backup')));
  attempts.forEach((attempt, i) => {
    if (attempt.status === 'fulfilled') locked.held.push({ target: sinks[i], lock: attempt.value });
    else locked.failures.push({ sink: sinks[i].name, error: attempt.reason });
  });
  return locked;
}

export function sinkResults(sinks: JobSink[], failures: { sink: string; error: string }[]): SinkResult[] {
  return sinks.map((sink) => {
    const failure = failures.find((f) => f.sink === sink.name);
    return failure ? { sink: sink.name, status: 'failed', error: failure.error } : { sink: sink.name, status: 'succeeded' };
  });
}
