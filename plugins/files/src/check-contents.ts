import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { escapesRoot, relativeEntryPath } from './archive-entries.js';
import { fsPath } from './file-names.js';
import { listedType } from './listing.js';
import { TarScanner, type ScanEvents, type ScannedEntry } from './tar-scanner.js';

/** A regular file of the archive with the sha256 of its content as the archive holds it. */
interface ArchivedFile {
  path: string;
  size: number;
  sha256: string;
}

/** Files up to this size are read whole to hash them; larger ones are streamed. */
const READ_WHOLE_BYTES = 1024 * 1024;

/**
 * Compares the content of every regular file restored under `root` with its content in the
 * archive, hashing both. The archive is read once, in order; memory holds the hashes of the
 * files one chunk completes. A file that is missing or differs in type or size is the
 * listing's check to report (checkRestoredTree); here a file of the right size whose bytes
 * differ is reported. Returns how many files were compared.
 */
export async function compareContents(archive: Readable, root: string, report: (path: string, problem: string) => void, signal: AbortSignal): Promise<number> {
  const files = new ArchivedFiles();
  const scanner = new TarScanner(files);
  let compared = 0;
  for await (const chunk of archive) {
    if (signal.aborted) throw signal.reason;
    scanner.write(chunk as Buffer);
    for (const file of files.take()) {
      // Never restored, and reported by the listing's check: nothing outside `root` is read.
      if (escapesRoot(file.path)) continue;
      if (await differs(join(root, file.path), file)) report(file.path, 'sha256 differs');
      compared++;
    }
  }
  if (!scanner.finished) throw new Error('the archive ended before its end-of-archive blocks');
  return compared;
}

async function differs(path: string, file: ArchivedFile): Promise<boolean> {
  const info = await lstat(fsPath(path)).catch(() => undefined);
  if (!info?.isFile() || info.size !== file.size) return false;
  return (await sha256OfFile(path, info.size)) !== file.sha256;
}

export async function sha256OfFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  if (size <= READ_WHOLE_BYTES) hash.update(await readFile(fsPath(path)));
  else await pipeline(createReadStream(fsPath(path)), hash);
  return hash.digest('hex');
}

/** Hashes the content of each regular file the scanner reads; `take` hands over the finished ones. */
class ArchivedFiles implements ScanEvents {
  private current?: { path: string; size: number; hash: Hash };
  private done: ArchivedFile[] = [];

  take(): ArchivedFile[] {
    const done = this.done;
    this.done = [];
    return done;
  }

  onEntry(entry: ScannedEntry): void {
    const path = relativeEntryPath(entry.path);
    this.current = listedType(entry.typeflag) === 'file' && path !== '' ? { path, size: 0, hash: createHash('sha256') } : undefined;
  }

  onContent(bytes: Buffer): void {
    if (!this.current) return;
    this.current.hash.update(bytes);
    this.current.size += bytes.length;
  }

  onEntryEnd(): void {
    if (!this.current) return;
    this.done.push({ path: this.current.path, size: this.current.size, sha256: this.current.hash.digest('hex') });
    this.current = undefined;
  }
}
