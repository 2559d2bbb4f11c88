import type { Stats } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import * as tar from 'tar';
import { errorMessage, VyaError } from '@vya/plugin-api';
import { hasReplacedBytes } from './file-names.js';
import { specialFileKind, type PackEvents } from './pack-counts.js';
import { normalizeEntryPath } from './tar-filter.js';

/**
 * The portable packer: npm `tar` in this process. About 17 times the CPU of GNU tar per small
 * file (docs/performance.md), so it is used only where GNU tar is not installed.
 */
export function packWithNodeTar(root: string, events: PackEvents): Readable {
  const { counts } = events;
  const output = new PassThrough();
  const pack = tar.c(
    {
      cwd: root,
      portable: false,
      follow: false,
      noDirRecurse: false,
      // Reads of a large file come in 1 MiB pieces instead of tar's default 16 MiB, for memory.
      maxReadSize: 1024 * 1024,
      filter: (path, stat) => {
        // When packing from disk, tar hands us fs.Stats.
        const info = stat as Stats;
        const special = specialFileKind(info);
        if (special) {
          // tar cannot hold a FIFO's or a socket's data, and reading one blocks for good.
          counts.skipped_special++;
          events.warn(`skipped ${special} ${normalizeEntryPath(path)} (only files, directories and links are backed up)`);
          return false;
        }
        const keep = events.accept(normalizeEntryPath(path), info.isDirectory());
        // Files and bytes are counted from the archive itself (listing.ts).
        if (keep) counts.entries++;
        // tar writes this very Stats object's mtime into the header (its stat cache).
        if (keep) info.mtime = truncatedMtime(info);
        return keep;
      },
      onwarn: (code, message) => {
        if (hasReplacedBytes(message)) output.destroy(notUtf8Name(message));
        counts.warnings++;
        events.warn(`${code}: ${message}`);
      },
    },
    ['.'],
  );
  // An entry that cannot be read (gone since its directory was listed) is an 'error' event of
  // the pack, at any time: it fails the backup, and is never left without a listener.
  pack.on('error', (error: unknown) => {
    const message = errorMessage(error);
    output.destroy(hasReplacedBytes(message) ? notUtf8Name(message) : (error as Error));
  });
  pack.pipe(output);
  // Destroyed by its reader (an aborted backup): the pack stops reading the tree too.
  output.once('close', () => output.readableEnded || pack.destroy());
  return output;
}

/**
 * npm tar reads names as UTF-8 text: a name that is not comes back with U+FFFD in it and
 * cannot be found again; the backup fails rather than store the tree without that file.
 */
function notUtf8Name(message: string): VyaError {
  return new VyaError(`a file name is not valid UTF-8, which the npm tar packer cannot store (${message})`, {
    code: 'ARCHIVE_FAILED',
    hint: 'install GNU tar, which stores any file name, or unset VYA_FILES_PACKER',
  });
}

/**
 * The mtime as a Date cut to the millisecond. Node rounds `Stats.mtime` to the nearest one, so a
 * file changed at x.9995 s and later would be stored a second late in the header's whole
 * seconds; GNU tar cuts, and both packers must store the same second.
 */
function truncatedMtime(info: Stats): Date {
  return new Date(Math.floor(info.mtimeMs));
}
