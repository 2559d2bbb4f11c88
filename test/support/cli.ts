import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const vyaBin = join(repoRoot, 'bin', 'run.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string | Buffer;
  /** Kill the process with this signal after `afterMs`. */
  kill?: { signal: NodeJS.Signals; afterMs: number } | { signal: NodeJS.Signals; when: (stderr: string) => boolean };
  timeoutMs?: number;
  /** Run as this user (the test runner must be root to switch). */
  as?: { uid: number; gid: number };
  /** Another copy of bin/run.js to run instead of the repository's. */
  bin?: string;
}

/**
 * vya processes still running. A test that times out leaves its child behind, and mocha's
 * --exit would orphan it (a hung `vya` once spun on both cores for the rest of the session):
 * whatever is left is killed when the test process exits.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** How Node prints a process warning on stderr: `(node:1234) MaxListenersExceededWarning: ...`. */
const nodeWarning = /\(node:\d+\) \w*Warning: .*/;

/**
 * Runs the real `vya` binary (bin/run.js, the built dist/) in a child process, with the
 * user's config and state dirs pointed away from $HOME unless the test sets them. A warning
 * printed by Node itself (a library's leak or deprecation warning) fails the run: it would
 * land in every operator's log.
 */
export function runVya(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? vyaBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', VYA_CONFIG: undefined, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options.as,
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    // Once: vya takes a second SIGTERM or SIGINT as "quit at once".
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const kill = options.kill;
      if (kill && 'when' in kill && !signalled && kill.when(stderr)) {
        signalled = true;
        child.kill(kill.signal);
      }
    });
    const kill = options.kill;
    if (kill && 'afterMs' in kill) setTimeout(() => child.kill(kill.signal), kill.afterMs);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      clearTimeout(timer);
      const warning = nodeWarning.exec(stderr);
      if (warning) reject(new Error(`vya ${args.join(' ')} printed a warning of Node's: ${warning[0]}`));
      else resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input);
  });
}

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'vya-test-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Parses --json stdout, failing the test with the CLI's output when it is not JSON. */
export function parseJson<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${result.code})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}
