import type { Stats } from 'node:fs';

/** What a files backup records in its manifest's source metadata. */
export interface PackCounts {
  entries: number;
  files: number;
  bytes: number;
  warnings: number;
  skipped_special: number;
  /** Entries that could not be read (permissions, I/O): the snapshot holds them not, or not whole. */
  unread: number;
  /** The first of those warnings, for the run's report. */
  unread_first?: string;
}

/** Callbacks a packer reports through: the plugin logs, the counts go to the manifest. */
export interface PackEvents {
  counts: PackCounts;
  /** Whether an entry (relative path, './' stripped) goes into the archive. */
  accept: (relativePath: string, isDirectory: boolean) => boolean;
  warn: (message: string) => void;
}

export function newCounts(): PackCounts {
  return { entries: 0, files: 0, bytes: 0, warnings: 0, skipped_special: 0, unread: 0 };
}

/**
 * GNU tar's warnings for an entry it could not read, or not whole ("Cannot open: Permission
 * denied", "Read error at byte ...", "Cannot savedir", "File shrank by N bytes; padding with
 * zeros"). Not: an entry removed since the walk listed it (no such file any more), nor one
 * that changed while it was read (stored as read, as every file-level backup does).
 */
const UNREAD_WARNING = /: (Cannot (open|read|readlink|savedir|stat)|Read error|File shrank)\b/i;
const VANISHED = /No such file or directory|File removed before we read it/i;

/** Counts a warning that means an entry is missing from the archive or incomplete in it. */
export function noteUnread(counts: PackCounts, warning: string): void {
  if (!UNREAD_WARNING.test(warning) || VANISHED.test(warning)) return;
  counts.unread++;
  counts.unread_first ??= warning;
}

export function specialFileKind(info: Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string | undefined {
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice()) return 'character device';
  if (info.isBlockDevice()) return 'block device';
  return undefined;
}
