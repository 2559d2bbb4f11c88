import { summarize, type SnapshotSummary } from '../repository/manifest.js';
import type { LocatedSnapshot } from './find-snapshots.js';

/** A snapshot as `vya snapshots` lists it: once, with every sink that holds it (in listing order). */
export interface ListedSnapshot extends SnapshotSummary {
  sinks: string[];
}

/**
 * One entry per snapshot (job, unit and id), however many sinks hold a copy; `sink` stays the
 * first of them for readers of the older output.
 */
export function groupBySnapshot(located: LocatedSnapshot[]): ListedSnapshot[] {
  const byIdentity = new Map<string, ListedSnapshot>();
  for (const { manifest, repository } of located) {
    const identity = `${manifest.job}\u0000${manifest.unit.name}\u0000${manifest.id}`;
    const seen = byIdentity.get(identity);
    if (seen) {
      if (!seen.sinks.includes(repository.sinkName)) seen.sinks.push(repository.sinkName);
      continue;
    }
    byIdentity.set(identity, { ...summarize(manifest), sink: repository.sinkName, sinks: [repository.sinkName] });
  }
  return [...byIdentity.values()];
}
