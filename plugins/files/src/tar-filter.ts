import picomatch from 'picomatch';

export interface PathFilter {
  include?: string[];
  exclude?: string[];
}

/**
 * Decides which entries go into the archive. Paths are relative to the backed-up directory
 * ('a/b.txt'). An excluded directory is skipped whole; `include` limits files only, so the
 * directories leading to an included file are always walked.
 */
export function createEntryFilter(filter: PathFilter): (relativePath: string, isDirectory: boolean) => boolean {
  const options = { dot: true };
  const excluded = filter.exclude?.length ? picomatch(filter.exclude, options) : () => false;
  const included = filter.include?.length ? picomatch(filter.include, options) : () => true;
  return (relativePath, isDirectory) => {
    if (relativePath === '' || relativePath === '.') return true;
    if (excluded(relativePath) || (isDirectory && excluded(`${relativePath}/`))) return false;
    return isDirectory || included(relativePath);
  };
}

/** './a/b' → 'a/b'; '.' → ''. */
export function normalizeEntryPath(path: string): string {
  return path.replace(/^\.\/?/, '').replace(/\/$/, '');
}
