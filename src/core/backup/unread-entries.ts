import type { UnitMetadata, UnitResult } from '@vya/plugin-api';

/** How many entries a stored snapshot lacks, and why, from its source's metadata (`unread`, `unread_first`: UnitMetadata). */
export interface UnreadEntries {
  count: number;
  problem: string;
}

/** Undefined when the source read everything it was asked to. */
export function unreadEntries(metadata: UnitMetadata): UnreadEntries | undefined {
  const count = metadata.unread;
  if (typeof count !== 'number' || !(count > 0)) return undefined;
  const first = typeof metadata.unread_first === 'string' ? ` (first: ${metadata.unread_first})` : '';
  return { count, problem: `${count} entr${count === 1 ? 'y' : 'ies'} could not be read and ${count === 1 ? 'is' : 'are'} not in the snapshot, or not whole${first}` };
}

/** A partial unit whose only trouble is what its source could not read: running it again reads no more. */
export function onlyUnread(unit: UnitResult): boolean {
  return unit.status === 'partial' && (unit.unread ?? 0) > 0 && !unit.sinks?.some((sink) => sink.status === 'failed');
}
