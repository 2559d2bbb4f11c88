import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { VyaError } from '@vya/plugin-api';
import { classifyEntry } from './archive-entries.js';
import { unsafeEntry, type DeferredLink } from './deferred-links.js';
import { hasReplacedBytes } from './file-names.js';
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
  let notUtf8: string | undefined;
  const extractor = tar.x({
    cwd: staging,
    strict: true,
    preservePaths: false,
    chmod: true,
    processUmask: 0,
    filter: (path, entry) => {
      const header = entry as tar.ReadEntry;
      const verdict = classifyEntry({ path, type: header.type, linkpath: header.linkpath });
      // npm tar decodes names as UTF-8 text: one that is not would be written under another name.
      if (hasReplacedBytes(path) || hasReplacedBytes(header.linkpath ?? '')) notUtf8 ??= path;
      if (verdict === 'unsafe') unsafe ??= path;
      else if (verdict === 'special') skipped.push(path);
      else if (verdict === 'symlink') links.push({ path, target: header.linkpath ?? '', uid: header.uid, gid: header.gid, mtime: header.mtime });
      return verdict === 'extract' && unsafe === undefined && notUtf8 === undefined;
    },
  });
  await pipeline(data, extractor as unknown as NodeJS.WritableStream, { signal });
  if (unsafe !== undefined) throw unsafeEntry(unitName, unsafe, 'its path is absolute or climbs out with ".."');
  if (notUtf8 !== undefined) {
    throw new VyaError(`snapshot ${unitName} holds a name that is not valid UTF-8 (${JSON.stringify(notUtf8)}), which npm tar cannot restore under its own name`, {
      code: 'EXTRACT_FAILED',
      hint: 'install GNU tar, which restores any file name, or unset VYA_FILES_EXTRACTOR',
    });
  }
  return { links, skipped };
}
