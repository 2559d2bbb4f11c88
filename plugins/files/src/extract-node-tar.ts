import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { classifyEntry } from './archive-entries.js';
import { unsafeEntry, type DeferredLink } from './deferred-links.js';
import type { ExtractedEntries } from './extract-staging.js';

/**
 * npm tar extracts files, hard links and directories; symlinks are only collected (created
 * later by the caller) and special files skipped. An entry with an absolute or '..' path
 * refuses the whole archive once the stream has ended.
 */
export async function extractWithNodeTar(data: Readable, staging: string, unitName: string, signal: AbortSignal): Promise<ExtractedEntries> {
  const links: DeferredLink[] = [];
  const skipped: string[] = [];
  let unsafe: string | undefined;
  const extractor = tar.x({
    cwd: staging,
    strict: true,
    preservePaths: false,
    chmod: true,
    processUmask: 0,
    filter: (path, entry) => {
      const header = entry as tar.ReadEntry;
      const verdict = classifyEntry({ path, type: header.type, linkpath: header.linkpath });
      if (verdict === 'unsafe') unsafe ??= path;
      else if (verdict === 'special') skipped.push(path);
      else if (verdict === 'symlink') links.push({ path, target: header.linkpath ?? '', uid: header.uid, gid: header.gid, mtime: header.mtime });
      return verdict === 'extract' && unsafe === undefined;
    },
  });
  await pipeline(data, extractor as unknown as NodeJS.WritableStream, { signal });
  if (unsafe !== undefined) throw unsafeEntry(unitName, unsafe, 'its path is absolute or climbs out with ".."');
  return { links, skipped };
}
