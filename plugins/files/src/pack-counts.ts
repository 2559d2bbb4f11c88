import type { Stats } from 'node:fs';

/** What a files backup records in its manifest's source metadata. */
export interface PackCounts {
  entries: number;
  files: number;
  bytes: number;
  warnings: number;
  skipped_special: number;
}

/** Callbacks a packer reports through: the plugin logs, the counts go to the manifest. */
export interface PackEvents {
  counts: PackCounts;
  /** Whether an entry (relative path, './' stripped) goes into the archive. */
  accept: (relativePath: string, isDirectory: boolean) => boolean;
  warn: (message: string) => void;
}

export function newCounts(): PackCounts {
  return { entries: 0, files: 0, bytes: 0, warnings: 0, skipped_special: 0 };
}

export function specialFileKind(info: Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>): string | undefined {
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  if (info.isCharacterDevice()) return 'character device';
  if (info.isBlockDevice()) return 'block device';
  return undefined;
}
