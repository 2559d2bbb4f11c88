import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { VyaError } from './errors.js';

export interface ChildOptions {
  /** Extra environment for the child (passwords go here or in a 0600 file, never in args). */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  cwd?: string;
  /** How the error message names what failed, e.g. "pg_dump of database shop". */
  label: string;
}

export interface StreamingChild {
  stdin: Writable;
  stdout: Readable;
  /** Resolves with the collected stderr when the child exits 0; rejects with a VyaError otherwise. */
  exited: Promise<string>;
}

const STDERR_LIMIT = 64 * 1024;

/**
 * Runs a tool whose stdout (or stdin) is the data stream. stderr is collected (bounded) and
 * becomes the error message when the tool fails, so "pg_dump: error: ..." reaches the user.
 */
export function spawnStreaming(command: string, args: string[], options: ChildOptions): StreamingChild {
  const child = spawn(command, args, {
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
        reject(new VyaError(`${options.label}: ${command} not found`, { code: 'TOOL_MISSING', hint: `install ${command} or put it on PATH` }));
      } else if (error.name === 'AbortError') {
        reject(new VyaError(`${options.label}: aborted`, { code: 'ABORTED', cause: error }));
      } else {
        reject(new VyaError(`${options.label}: ${error.message}`, { cause: error }));
      }
    });
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(stderr);
      const reason = lastLines(stderr) || (signal ? `killed by ${signal}` : `exit code ${code}`);
      reject(new VyaError(`${options.label} failed: ${reason}`, { code: 'TOOL_FAILED' }));
    });
  });
  // Nobody may be listening yet; the caller awaits `exited` later.
  exited.catch(() => {});
  return { stdin: child.stdin, stdout: child.stdout, exited };
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

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ').replace(/\s+/g, ' ').slice(0, 500);
}
