import { spawn } from 'node:child_process';
import { lstatSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { VyaError } from '@vya/plugin-api';
import { whenDrainedOrClosed } from './drain.js';
import { fileNameBytes, fsPath, hasEscapedBytes, readDirectorySync } from './file-names.js';
import { gnuTarEnvironment } from './gnu-tar.js';
import { noteUnread, specialFileKind, type PackEvents } from './pack-counts.js';

/**
 * GNU tar packs what our own walk chose: the walk applies include/exclude, skips FIFOs,
 * sockets and devices with a warning, never follows a link, and hands tar the names
 * (NUL-separated, taken verbatim, no recursion); tar stores exactly those entries. POSIX pax
 * like npm tar wrote, without the per-file atime/ctime/mtime records GNU tar adds by default
 * (they made the stream 15% larger; the ustar header keeps the mtime in seconds).
 * Records of 64 KiB instead of tar's 10 KiB: Node then reads the pipe in 64 KiB pieces, not
 * 10 KiB ones, and every stage runs a sixth as often (0.8 CPU s less for 100 000 files and
 * 900 MB, docs/performance.md). tar pads the last record to 64 KiB; the listing tap stores
 * the archive only up to the 10 KiB record of its end marker (listing.ts, storedPart).
 */
const TAR_ARGS = [
  '--create',
  '--file=-',
  '--format=posix',
  '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime,delete=mtime',
  '--no-recursion',
  '--null',
  '--verbatim-files-from',
  '--no-unquote',
  '--ignore-failed-read',
  '--files-from=-',
  '--blocking-factor=128',
];

export function packWithGnuTar(root: string, events: PackEvents, signal: AbortSignal): Readable {
  const child = spawn('tar', TAR_ARGS, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'], env: gnuTarEnvironment() });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const stderr = forwardWarnings(child.stderr, events);
  const output = new ExitGate(async () => {
    await spawned;
    const code = await exited;
    // 1: a file changed while it was read (already warned); 2: a fatal error.
    if (code !== 0 && code !== 1) {
      throw new VyaError(`tar failed (exit ${String(code)}): ${(await stderr).at(-1) ?? 'no message'}`, { code: 'ARCHIVE_FAILED', hint: 'see the warnings above' });
    }
  });
  const stop = () => child.kill('SIGTERM');
  signal.addEventListener('abort', stop, { once: true });
  output.once('close', () => {
    signal.removeEventListener('abort', stop);
    if (child.exitCode === null) stop();
  });
  spawned.catch((error: Error) => output.destroy(new VyaError(`cannot run tar: ${error.message}`, { code: 'ARCHIVE_FAILED', hint: 'install GNU tar or set VYA_FILES_PACKER=node-tar' })));
  child.stdout.pipe(output);
  // When tar stops reading (it failed), writing the names fails with EPIPE: tar's exit status
  // and message are the error to report, through the gate.
  child.stdin.on('error', () => {});
  writeNames(root, events, child.stdin, signal).catch((error: unknown) => output.destroy(error as Error));
  return output;
}

/** Passes tar's bytes through and ends only once tar has exited well. */
class ExitGate extends Transform {
  constructor(private readonly check: () => Promise<void>) {
    super({ readableHighWaterMark: 256 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.check().then(() => callback(), callback);
  }
}

async function forwardWarnings(stderr: Readable, events: PackEvents): Promise<string[]> {
  const lines: string[] = [];
  let rest = '';
  for await (const chunk of stderr) {
    const parts = (rest + String(chunk)).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts.filter(Boolean)) {
      const warning = line.replace(/^tar: /, '');
      lines.push(warning);
      events.counts.warnings++;
      noteUnread(events.counts, warning);
      events.warn(warning);
    }
  }
  return lines;
}

const BATCH = 64 * 1024;

/** Walks the tree depth first, sending tar the names of the entries to store, in batches. */
async function writeNames(root: string, events: PackEvents, stdin: Writable, signal: AbortSignal): Promise<void> {
  let batch = './\0';
  events.counts.entries++;
  const pending = [''];
  for (let done = 1; pending.length > 0; done++) {
    if (signal.aborted || stdin.destroyed) return;
    const directory = pending.pop() as string;
    const listed = readDirectory(root, directory, events);
    // Names that are not UTF-8 come only from a directory read as bytes, or from under one.
    const asBytes = listed.escaped || hasEscapedBytes(directory);
    for (const entry of listed.entries) {
      const path = directory ? `${directory}/${entry.name}` : entry.name;
      const kind = entryKind(root, path, entry, events);
      if (kind === undefined || !events.accept(path, kind === 'directory')) continue;
      events.counts.entries++;
      if (kind === 'directory') pending.push(path);
      if (asBytes) {
        await send(stdin, batch);
        batch = '';
        await send(stdin, nameAsBytes(path));
      } else batch += `./${path}\0`;
      if (batch.length >= BATCH) {
        await send(stdin, batch);
        batch = '';
      }
    }
    // Many small directories: let the data flow between them.
    if (done % 32 === 0) await yieldToLoop();
  }
  await send(stdin, batch);
  if (!stdin.destroyed) stdin.end();
}

/** A name that is not UTF-8 goes to tar as its own bytes (file-names.ts). */
function nameAsBytes(path: string): Buffer {
  return Buffer.concat([Buffer.from('./'), fileNameBytes(path), Buffer.from('\0')]);
}

async function send(stdin: Writable, text: string | Buffer): Promise<void> {
  if (!text || stdin.destroyed || stdin.write(text)) return;
  await new Promise<void>((resolve) => whenDrainedOrClosed(stdin, resolve));
}

/** Errors reading a directory that tar meets again (or, ENOENT, that mean it is gone). */
const TAR_ALSO_FAILS = new Set(['ENOENT', 'EACCES', 'EPERM']);

function readDirectory(root: string, directory: string, events: PackEvents): { entries: Dirent[]; escaped: boolean } {
  try {
    return readDirectorySync(join(root, directory));
  } catch (error) {
    const warning = `./${directory}: Cannot read directory: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    events.counts.warnings++;
    // Denied: tar, handed the directory's name, fails to open it too and says so (counted then).
    // Any other failure (a path longer than PATH_MAX, which tar itself can open) is ours alone.
    if (!TAR_ALSO_FAILS.has((error as NodeJS.ErrnoException).code ?? '')) noteUnread(events.counts, warning);
    events.warn(warning);
    return { entries: [], escaped: false };
  }
}

type EntryKind = 'directory' | 'link' | 'file';
type Typed = Pick<Dirent, 'isDirectory' | 'isSymbolicLink' | 'isFile' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>;

/**
 * What the directory entry is, from the type readdir reports: no lstat per file (0.7 s of
 * CPU for 100 000 files); the files' count and bytes are read from the archive (listing.ts).
 * A file system that reports no types costs an lstat per entry.
 */
function entryKind(root: string, path: string, entry: Dirent, events: PackEvents): EntryKind | undefined {
  const typed = kindOf(entry);
  if (typed) return typed;
  const info = specialFileKind(entry) ? entry : lstatIfPresent(join(root, path));
  // Gone since the directory was read: nothing to store, as tar would have found.
  if (!info) return undefined;
  const kind = kindOf(info);
  if (kind) return kind;
  events.counts.skipped_special++;
  events.warn(`skipped ${specialFileKind(info) ?? 'special file'} ${path} (only files, directories and links are backed up)`);
  return undefined;
}

function kindOf(entry: Typed): EntryKind | undefined {
  if (entry.isDirectory()) return 'directory';
  if (entry.isSymbolicLink()) return 'link';
  if (entry.isFile()) return 'file';
  return undefined;
}

function lstatIfPresent(path: string): Typed | undefined {
  try {
    return lstatSync(fsPath(path));
  } catch {
    return undefined;
  }
}
