import type { UnitMetadata } from '@vya/plugin-api';

/**
 * Why a stored snapshot is incomplete, from its source's metadata (`unread`, `unread_first`:
 * UnitMetadata), or undefined when the source read everything it was asked to.
 */
export function unreadEntriesProblem(metadata: UnitMetadata): string | undefined {
  const unread = metadata.unread;
  if (typeof unread !== 'number' || !(unread > 0)) return undefined;
  const first = typeof metadata.unread_first === 'string' ? ` (first: ${metadata.unread_first})` : '';
  return `${unread} entr${unread === 1 ? 'y' : 'ies'} could not be read and ${unread === 1 ? 'is' : 'are'} not in the snapshot, or not whole${first}`;
}
