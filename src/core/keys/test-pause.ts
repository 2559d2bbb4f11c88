import type { Logger } from '@vya/plugin-api';

/** The points of a rewrap at which a test may freeze the process to kill it there. */
/** `data-copied`: the data object's copy is complete and the listing's not begun (snapshots with a listing only). */
export type RewrapStep = 'copying' | 'data-copied' | 'copied' | 'switched';

/**
 * For the crash tests only: with VYA_TEST_KEYS_PAUSE set to a step, the first rewrap to reach
 * that step says so on stderr and waits for ever, so a test can `kill -9` the process at
 * exactly that point instead of guessing with a timer. Unset, it does nothing.
 */
export async function pauseForTests(step: RewrapStep, logger: Logger): Promise<void> {
  if (process.env.VYA_TEST_KEYS_PAUSE !== step) return;
  logger.warn(`paused at step "${step}" (VYA_TEST_KEYS_PAUSE)`);
  await new Promise(() => setInterval(() => {}, 60_000));
}
