import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { errorMessage, VyaError, type Logger, type RunSummary } from '@vya/plugin-api';
import type { HookConfig, HooksConfig } from '../config/types.js';
import { parseDurationMs } from '../retention/duration.js';

export type HookPhase = 'before' | 'after' | 'on_failure';

/** What a hook is told about the run, as VYA_* environment variables. */
export interface HookFacts {
  job: string;
  runId: string;
  outcome?: string;
  units?: string[];
  failedUnits?: string[];
  snapshotIds?: string[];
  error?: string;
}

const DEFAULT_TIMEOUT = '5m';
// After SIGTERM, how long a hook gets to exit before SIGKILL.
const KILL_GRACE_MS = 5000;

/**
 * Runs the hooks of one phase in order; the first that fails (non-zero exit, not found,
 * timed out, aborted) stops the phase and rejects with a VyaError naming it. Commands are argv
 * lists run without a shell; `shell:` opts into `/bin/sh -c`. Output lines go to the run log.
 */
export async function runHooks(phase: HookPhase, hooks: HooksConfig | undefined, facts: HookFacts, options: { logger: Logger; cwd: string; signal: AbortSignal }): Promise<void> {
  const list = hooks?.[phase] ?? [];
  for (const [index, hook] of list.entries()) {
    const name = `hook ${phase}[${index + 1}]`;
    const argv = commandOf(hook);
    const timeout = (typeof hook === 'object' && !Array.isArray(hook) ? hook.timeout : undefined) ?? hooks?.timeout ?? DEFAULT_TIMEOUT;
    options.logger.info(`${name}: ${argv[0] === '/bin/sh' ? argv[2] : argv.join(' ')}`);
    await runOne(name, argv, { ...options, env: environment(phase, facts), timeoutMs: parseDurationMs(timeout), timeout });
  }
}

function commandOf(hook: HookConfig): string[] {
  if (Array.isArray(hook)) return hook;
  return hook.shell !== undefined ? ['/bin/sh', '-c', hook.shell] : hook.command!;
}

function environment(phase: HookPhase, facts: HookFacts): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, VYA_HOOK: phase, VYA_JOB: facts.job, VYA_RUN_ID: facts.runId };
  if (facts.outcome !== undefined) env.VYA_OUTCOME = facts.outcome;
  // Unit names may hold spaces or commas (file paths): one per line.
  if (facts.units !== undefined) env.VYA_UNITS = facts.units.join('\n');
  if (facts.failedUnits !== undefined) env.VYA_FAILED_UNITS = facts.failedUnits.join('\n');
  if (facts.snapshotIds !== undefined) env.VYA_SNAPSHOT_IDS = facts.snapshotIds.join(' ');
  if (facts.error !== undefined) env.VYA_ERROR = facts.error;
  return env;
}

interface RunOptions {
  logger: Logger;
  cwd: string;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  timeout: string;
}

function runOne(name: string, argv: string[], options: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let lastError = '';
    let stoppedBecause: string | undefined;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        options.logger.info(`${name}: ${line}`);
        if (stream === child.stderr && line.trim()) lastError = line.trim();
      });
    }
    const stop = (why: string) => {
      stoppedBecause ??= why;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => stop(`timed out after ${options.timeout}`), options.timeoutMs);
    const onAbort = () => stop('aborted');
    options.signal.addEventListener('abort', onAbort, { once: true });
    const settle = (error?: VyaError) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'ENOENT' ? `command not found: ${argv[0]}` : error.message;
      settle(new VyaError(`${name} failed: ${why}`, { code: 'HOOK_FAILED', hint: 'hooks are argv lists run without a shell; give the full path, or use shell: "..."' }));
    });
    child.on('close', (code, signal) => {
      if (code === 0 && !stoppedBecause) return settle();
      const why = stoppedBecause ?? (code !== null ? `exited ${code}` : `killed by ${signal}`);
      settle(new VyaError(`${name} (${argv[0]}) ${why}${lastError && !stoppedBecause ? `: ${lastError}` : ''}`, { code: 'HOOK_FAILED', hint: 'the hook output is in the run log' }));
    });
  });
}

/**
 * The hooks that follow a run: `on_failure` when it did not succeed, then `after` always (a
 * `finally`: restart what `before` stopped). They run even when the run was aborted, bounded
 * by their own timeouts. A failing one turns a succeeded run into a partial one, with its error.
 */
export async function runClosingHooks(run: RunSummary, hooks: HooksConfig | undefined, options: { logger: Logger; cwd: string }): Promise<RunSummary> {
  if (!hooks?.after?.length && !hooks?.on_failure?.length) return run;
  const facts: HookFacts = {
    job: run.job,
    runId: run.runId,
    outcome: run.outcome,
    units: run.units.map((unit) => unit.unit),
    failedUnits: run.units.filter((unit) => unit.status === 'failed').map((unit) => unit.unit),
    snapshotIds: run.units.flatMap((unit) => (unit.snapshotId ? [unit.snapshotId] : [])),
    error: run.error,
  };
  const problems: string[] = [];
  const phases: HookPhase[] = run.outcome === 'succeeded' ? ['after'] : ['on_failure', 'after'];
  for (const phase of phases) {
    try {
      await runHooks(phase, hooks, facts, { ...options, signal: new AbortController().signal });
    } catch (error) {
      problems.push(errorMessage(error));
      options.logger.error(errorMessage(error));
    }
  }
  if (problems.length === 0) return run;
  return { ...run, outcome: run.outcome === 'succeeded' ? 'partial' : run.outcome, error: [run.error, ...problems].filter(Boolean).join('; ') };
}
