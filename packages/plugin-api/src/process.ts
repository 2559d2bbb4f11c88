import { spawn, spawnSync } from 'node:child_process';
import { finished } from 'node:stream/promises';
import type { Readable, Writable } from 'node:stream';
import { WRITE_DIRECTLY, writesDirectly } from './direct-write.js';
import { VyaError } from './errors.js';

export interface ChildOptions {
  /** Extra environment for the child (passwords go here or in a 0600 file, never in args). */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  cwd?: string;
  /** How the error message names what failed, e.g. "pg_dump of database shop". */
  label: string;
  /**
   * Give the child's stdio output a 1 MiB buffer (coreutils' `stdbuf -o`, when it works here;
   * otherwise the tool runs as it is). pg_dump and mariadb-dump write to a pipe through stdio
   * in 4 KiB pieces: every piece woke vya and ran its stages once. With 1 MiB they fill the
   * pipe, and vya reads 64 KiB at a time (docs/performance.md). No effect on tools that
   * bypass stdio.
   */
  bufferStdout?: boolean;
}

export interface StreamingChild {
  stdin: Writable;
  stdout: Readable;
  /** Resolves with the collected stderr when the child exits 0; rejects with a VyaError otherwise. */
  exited: Promise<string>;
  /** Kills the child at once (SIGKILL), e.g. before its stdin is closed on damaged input. */
  kill(): void;
}

const STDERR_LIMIT = 64 * 1024;

/**
 * Runs a tool whose stdout (or stdin) is the data stream. stderr is collected (bounded) and
 * becomes the error message when the tool fails, so "pg_dump: error: ..." reaches the user.
 */
export function spawnStreaming(command: string, args: string[], options: ChildOptions): StreamingChild {
  const buffered = options.bufferStdout === true && stdbufWorks();
  const [file, fileArgs]: [string, string[]] = buffered ? ['stdbuf', ['-o1M', command, ...args]] : [command, args];
  const child = spawn(file, fileArgs, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    signal: options.signal,
    killSignal: 'SIGTERM',
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += chunk;
  });
  const exited = new Promise<string>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(toolMissing(command, options.label));
      } else if (error.name === 'AbortError') {
        reject(new VyaError(`${options.label}: aborted`, { code: 'ABORTED', cause: error }));
      } else {
        reject(new VyaError(`${options.label}: ${error.message}`, { cause: error }));
      }
    });
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(stderr);
      // stdbuf's own exit status when it cannot find the command it was to run.
      if (buffered && code === 127) return reject(toolMissing(command, options.label));
      const reason = relevantLines(stderr) || (signal ? `killed by ${signal}` : `exit code ${code}`);
      reject(new VyaError(`${options.label} failed: ${reason}`, { code: 'TOOL_FAILED' }));
    });
  });
  // Nobody may be listening yet; the caller awaits `exited` later.
  exited.catch(() => {});
  return { stdin: child.stdin, stdout: child.stdout, exited, kill: () => child.kill('SIGKILL') };
}

function toolMissing(command: string, label: string): VyaError {
  return new VyaError(`${label}: ${command} not found`, { code: 'TOOL_MISSING', hint: `install ${command} or put it on PATH` });
}

let stdbufChecked: boolean | undefined;

/** Whether `stdbuf` runs here (it needs its preload library beside it); asked once per process. */
function stdbufWorks(): boolean {
  stdbufChecked ??= spawnSync('stdbuf', ['-o0', 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  return stdbufChecked;
}

/**
 * Feeds `data` into the child's stdin and settles with the child: resolves with its stderr
 * when it exits 0 (also when it stopped reading early, as `pg_restore --list` does), rejects
 * with its own error (stderr) when it fails. A child that dies closes its stdin, and the EPIPE
 * of our next write is only a consequence: it is never the error. When `data` errors (a damaged
 * snapshot), the child is killed before its stdin closes, so it cannot take the early end of
 * input for the real one and commit; the data error is the one reported. A stream that writes
 * directly (WRITE_DIRECTLY) is let do so, and stdin is closed once it ended cleanly.
 */
export function feedChild(child: StreamingChild, data: Readable): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let dataError: Error | undefined;
    const direct = writesDirectly(data);
    // finished() also sees an error (or a destroy) that came before we were called. A pipe
    // ends stdin itself; a direct writer leaves that to us, once its data ended cleanly.
    finished(data).then(
      () => direct && child.stdin.end(),
      (error: Error) => {
        dataError = error;
        child.kill();
        child.stdin.destroy();
        child.exited.then(
          () => reject(error),
          () => reject(error),
        );
      },
    );
    // A direct writer stops writing by itself once a write failed.
    child.stdin.on('error', () => data.unpipe(child.stdin));
    child.exited.then(
      (stderr) => {
        data.unpipe(child.stdin);
        if (!dataError) resolve(stderr);
      },
      (error: unknown) => {
        data.unpipe(child.stdin);
        if (!dataError) reject(error);
      },
    );
    if (direct) data[WRITE_DIRECTLY](child.stdin);
    else data.pipe(child.stdin);
  });
}

/** Runs a tool to completion and returns its stdout (for version probes and small queries). */
export async function runTool(command: string, args: string[], options: ChildOptions): Promise<string> {
  const child = spawnStreaming(command, args, options);
  child.stdin.end();
  let out = '';
  child.stdout.setEncoding('utf8');
  for await (const chunk of child.stdout) out += chunk;
  await child.exited;
  return out;
}

/**
 * The lines that say what went wrong: the first few ERROR/FATAL/"error:" lines (later ones are
 * mostly consequences, "current transaction is aborted"), else the last three lines.
 */
export function relevantLines(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  const errors = lines.filter((line) => /(^|[\s:])(ERROR|FATAL|PANIC)\b|\b(error|fatal):/i.test(line));
  const chosen = errors.length > 0 ? [...new Set(errors)].slice(0, 3) : lines.slice(-3);
  return chosen.join('; ').replace(/\s+/g, ' ').slice(0, 1000);
}

/** Whether a process of this host with this pid exists (EPERM: it does, but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
