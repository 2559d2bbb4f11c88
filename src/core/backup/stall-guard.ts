import { VyaError } from '@vya/plugin-api';
import { parseDurationMs } from '../retention/duration.js';

/** A unit whose bytes stop flowing for this long fails as stalled ($VYA_STALL_TIMEOUT overrides). */
export const DEFAULT_STALL_TIMEOUT = '30m';

export function stallTimeoutMs(): number {
  const text = process.env.VYA_STALL_TIMEOUT?.trim() || DEFAULT_STALL_TIMEOUT;
  try {
    return parseDurationMs(text);
  } catch {
    throw new VyaError(`VYA_STALL_TIMEOUT=${text} is not a duration`, { code: 'CONFIG_INVALID', exitCode: 2, hint: 'use e.g. 90s, 30m or 2h' });
  }
}

export function stalledError(message: string): VyaError {
  return new VyaError(message, {
    code: 'SOURCE_STALLED',
    hint: 'a source that never delivers more data (a FIFO, a hung network mount, a lock wait) fails the run; nothing was stored for this unit',
  });
}

/**
 * Node ends a process whose event loop has nothing left to wait for, even while a promise is
 * pending (exit 13 for a top-level await). A backup at that point can never finish: abort it
 * with a reason so it fails through the normal path (history, notification, lock released).
 */
export function abortWhenIdle(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onIdle = () => {
    if (!controller.signal.aborted) controller.abort(stalledError('source stalled: the backup was waiting for data that can never arrive'));
  };
  process.on('beforeExit', onIdle);
  return { signal: controller.signal, dispose: () => process.off('beforeExit', onIdle) };
}

/**
 * Aborts `controller` when `touch()` has not been called for `timeoutMs`. The timer is unref'd:
 * it never keeps a process alive by itself.
 */
export function progressWatchdog(controller: AbortController, timeoutMs: number, what: string): { touch: () => void; stop: () => void } {
  let last = Date.now();
  const timer = setInterval(
    () => {
      if (Date.now() - last < timeoutMs || controller.signal.aborted) return;
      controller.abort(stalledError(`${what}: stalled: no data moved from the source to the sink for ${Math.round(timeoutMs / 1000)} s`));
    },
    Math.min(timeoutMs, 5000),
  );
  timer.unref();
  return { touch: () => (last = Date.now()), stop: () => clearInterval(timer) };
}
