import { errorMessage, type Logger, type Notifier, type RunEvent } from '@vya/plugin-api';
import type { NotificationOutcome } from '../history/history-store.js';

export interface NotifierTarget {
  name: string;
  notifier: Notifier;
}

/**
 * Tells every notifier of a job how the run went. Never throws: a notifier that fails is
 * logged and reported, and the run's own outcome is left exactly as it was.
 */
export async function dispatchNotifications(targets: NotifierTarget[], event: RunEvent, logger: Logger): Promise<NotificationOutcome[]> {
  return Promise.all(
    targets.map(async ({ name, notifier }) => {
      try {
        await notifier.notify(event);
        return { name, ok: true };
      } catch (error) {
        const message = errorMessage(error);
        logger.warn(`notifier ${name} failed: ${message}`);
        return { name, ok: false, error: message };
      }
    }),
  );
}
