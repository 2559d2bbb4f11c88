import { WHOLE_JOB } from '../locks/lock-rules.js';
import { withLock } from '../locks/with-lock.js';
import { manifestKey } from '../repository/keys.js';
import type { Runtime } from '../runtime.js';
import { listSnapshotsEverywhere, resolveSnapshot, type LocatedSnapshot } from '../snapshots/find-snapshots.js';

export interface ForgetTarget {
  id: string;
  job: string;
  unit: string;
  sink: string;
}

/**
 * Every copy of the named snapshots that a forget would remove: in `sink` only, or in every
 * sink that holds one. All references are resolved before anything is removed, so one
 * unknown id removes nothing.
 */
export async function planForget(runtime: Runtime, references: string[], sink?: string): Promise<LocatedSnapshot[]> {
  const chosen = new Map<string, LocatedSnapshot>();
  for (const reference of references) {
    const { manifest } = await resolveSnapshot(runtime, reference, { sink });
    const copies = await listSnapshotsEverywhere(runtime, { job: manifest.job, unit: manifest.unit.name, sink });
    for (const copy of copies.snapshots.filter((c) => c.manifest.id === manifest.id)) chosen.set(`${copy.repository.sinkName}\u0000${manifestKey(manifest.job, manifest.unit.name, manifest.id)}`, copy);
  }
  return [...chosen.values()];
}

/**
 * Removes each copy, its manifest first and its data second (an interrupted forget leaves only
 * unlisted data, which `vya prune --orphans` removes), under the job's exclusive lock in its
 * sink, as prune takes it: no restore or verify reads a snapshot while it goes. Retention's
 * rule that keeps the newest snapshot does not apply: these were named on purpose.
 */
export async function forgetSnapshots(runtime: Runtime, copies: LocatedSnapshot[]): Promise<ForgetTarget[]> {
  const removed: ForgetTarget[] = [];
  for (const { manifest, repository } of copies) {
    await withLock(runtime, repository.sink, manifest.job, WHOLE_JOB, 'forget', 'exclusive', async () => {
      if ((await repository.sink.stat(manifestKey(manifest.job, manifest.unit.name, manifest.id))) !== undefined) await repository.deleteSnapshot(manifest);
      else await repository.sink.delete(manifest.data_key);
    });
    runtime.logger.info(`${manifest.job}/${manifest.unit.name}@${manifest.id}: forgotten in sink ${repository.sinkName}`);
    removed.push(describeCopy({ manifest, repository }));
  }
  return removed;
}

export function describeCopy({ manifest, repository }: LocatedSnapshot): ForgetTarget {
  return { id: manifest.id, job: manifest.job, unit: manifest.unit.name, sink: repository.sinkName };
}
