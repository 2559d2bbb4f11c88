import { spawn, type ChildProcess } from 'node:child_process';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VyaError } from '@vya/plugin-api';
import { unsafeEntry, type DeferredLink } from './deferred-links.js';
import { whenDrainedOrClosed } from './drain.js';
import { EntryGate, RefusedEntry } from './entry-gate.js';
import type { ExtractedEntries } from './extract-staging.js';
import { gnuTarEnvironment } from './gnu-tar.js';

/**
 * Exact modes (no umask) and numeric owners, as npm tar restored them; owners only as root.
 * Directories get their times and modes at the end: vya's packer stores a directory's
 * entries before its subdirectories' contents, which GNU tar's default would take for the
 * end of the directory. GNU tar's own guards stay on (no --absolute-names): it strips a
 * leading '/' and skips '..'.
 */
function tarArguments(): string[] {
  const owner = process.getuid?.() === 0 ? ['--same-owner', '--numeric-owner'] : ['--no-same-owner'];
  return ['--extract', '--file=-', '--same-permissions', '--delay-directory-restore', ...owner];
}

/**
 * GNU tar extracts in its own process what the EntryGate lets through (files, hard links,
 * directories); symlinks and special files never reach it. vya keeps reading the snapshot to
 * its end even after tar has seen the end of the archive: the stored object's checksum is only
 * known then. A tar that fails stops the restore at once with its message.
 */
export async function extractWithGnuTar(data: Readable, staging: string, unitName: string, signal: AbortSignal): Promise<ExtractedEntries> {
  const links: DeferredLink[] = [];
  const skipped: string[] = [];
  const gate = new EntryGate({
    onSymlink: (entry) => links.push({ path: entry.path, target: entry.linkpath, uid: entry.uid, gid: entry.gid, mtime: entry.mtime }),
    onSkipped: (entry) => skipped.push(entry.path),
  });
  const child = spawn('tar', tarArguments(), { cwd: staging, stdio: ['pipe', 'ignore', 'pipe'], env: gnuTarEnvironment() });
  const messages = collectMessages(child);
  const stop = new AbortController();
  let launchError: Error | undefined;
  let killed = false;
  let failedOnItsOwn = false;
  const finished = new Promise<string | 0>((resolve) => {
    child.once('close', (code, killedBy) => resolve(code === 0 ? 0 : code === null ? `killed by ${String(killedBy)}` : `exit status ${code}`));
    child.once('error', (error) => {
      launchError = error;
      resolve('not started');
    });
  });
  // tar failing (disk full, ...) ends the restore now, not after the rest of the snapshot is read.
  void finished.then((code) => {
    if (code !== 0 && !killed) {
      failedOnItsOwn = true;
      stop.abort(new Error('tar stopped'));
    }
  });
  let streamError: unknown;
  try {
    await pipeline(data, gate, intoStdin(child), { signal: AbortSignal.any([signal, stop.signal]) });
  } catch (error) {
    streamError = error;
    killed = !failedOnItsOwn;
    child.kill('SIGTERM');
  }
  // Never return while tar could still write into the staging directory.
  const exit = await finished;
  if (launchError) throw new VyaError(`cannot run tar: ${launchError.message}`, { code: 'EXTRACT_FAILED', hint: 'install GNU tar or set VYA_FILES_EXTRACTOR=node-tar' });
  if (streamError instanceof RefusedEntry) throw unsafeEntry(unitName, streamError.path, streamError.why);
  if (failedOnItsOwn) throw tarFailed(unitName, exit, messages);
  if (streamError !== undefined) throw gateError(unitName, streamError);
  return { links, skipped };
}

/**
 * Writes into tar's stdin; once tar has stopped reading (it saw the end of the archive, or
 * failed) further bytes are dropped: its exit status tells which.
 */
function intoStdin(child: ChildProcess): Writable {
  const stdin = child.stdin as Writable;
  let gone = false;
  stdin.on('error', () => (gone = true));
  stdin.on('close', () => (gone = true));
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (gone || stdin.write(chunk)) return callback();
      whenDrainedOrClosed(stdin, () => callback());
    },
    final(callback) {
      if (!gone) stdin.end();
      callback();
    },
  });
}

/** tar's last lines on stderr, for the error; bounded, whatever tar prints. */
function collectMessages(child: ChildProcess): string[] {
  const lines: string[] = [];
  let rest = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()?.slice(-1000) ?? '';
    for (const line of parts.filter(Boolean)) lines.push(line.replace(/^tar: /, ''));
    lines.splice(0, Math.max(0, lines.length - 5));
  });
  return lines;
}

function tarFailed(unitName: string, exit: string | 0, messages: string[]): Error {
  const message = messages.filter((line) => !/^Exiting with failure status/.test(line)).at(-1) ?? `tar ended with ${String(exit)}`;
  // Mapped to the same errors as npm tar's (restore-errors.ts): the disk, the permissions.
  if (/No space left on device/.test(message)) return Object.assign(new Error(message), { code: 'ENOSPC' });
  if (/Permission denied|Operation not permitted/.test(message)) return Object.assign(new Error(message), { code: 'EACCES' });
  return new VyaError(`snapshot ${unitName} could not be extracted: ${message}`, { code: 'EXTRACT_FAILED', hint: 'run `vya verify` on the snapshot' });
}

function gateError(unitName: string, error: unknown): unknown {
  // The snapshot's own stream failing (checksum, decryption) is reported as it is.
  if (error instanceof VyaError || (error as { code?: unknown }).code !== undefined) return error;
  return new VyaError(`snapshot ${unitName} could not be extracted: ${(error as Error).message}`, { code: 'EXTRACT_FAILED', hint: 'run `vya verify` on the snapshot' });
}
