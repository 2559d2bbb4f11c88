/** What a tar entry is, as far as a restore is concerned. */
export type EntryVerdict = 'extract' | 'symlink' | 'special' | 'unsafe';

export interface TarEntryHeader {
  path: string;
  type: string;
  linkpath?: string;
}

const TYPE_NAMES: Record<string, string> = {
  '0': 'File',
  '1': 'Link',
  '2': 'SymbolicLink',
  '3': 'CharacterDevice',
  '4': 'BlockDevice',
  '5': 'Directory',
  '6': 'FIFO',
  '7': 'ContiguousFile',
  D: 'GNUDumpDir',
};

/** npm tar's name for a ustar type flag ('Unsupported' for flags it does not know either). */
export function typeName(typeflag: string): string {
  return TYPE_NAMES[typeflag] ?? 'Unsupported';
}

const EXTRACTED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'GNUDumpDir', 'Link']);
const METADATA_TYPES = new Set(['ExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath', 'OldGnuLongPath']);

/**
 * Symlinks are restored by us, after everything else, with their target text as stored (the
 * link itself is data; where it points is never followed). Everything else with a safe path
 * goes to node-tar; paths that are absolute or climb out with '..' are refused.
 */
export function classifyEntry(entry: TarEntryHeader): EntryVerdict {
  if (escapesRoot(entry.path)) return 'unsafe';
  if (entry.type === 'Link' && entry.linkpath !== undefined && escapesRoot(entry.linkpath)) return 'unsafe';
  if (entry.type === 'SymbolicLink') return 'symlink';
  if (EXTRACTED_TYPES.has(entry.type) || METADATA_TYPES.has(entry.type)) return 'extract';
  return 'special';
}

export function escapesRoot(path: string): boolean {
  const parts = path.split(/[\\/]+/);
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path) || parts.includes('..');
}

/** './a/b/' → 'a/b'; './' → ''. */
export function relativeEntryPath(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/^\.$/, '').replace(/\/+$/, '');
}
