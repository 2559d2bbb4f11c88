import { resolve } from 'node:path';
import { errorMessage, type DrillSummary, type RunEvent, type RunSummary } from '@vya/plugin-api';
import type { HistoryStore, NotificationOutcome } from '../history/history-store.js';
import { publishMetrics, type MetricsConfig } from '../metrics/prometheus.js';
import type { Runtime } from '../runtime.js';
import { dispatchNotifications } from './dispatch.js';

/**
 * Sends a run's or a drill's event to the job's notifiers. A notifier that cannot even be set
 * up counts as a failed notification; every error is redacted before it is logged or recorded.
 */
export async function notifyJob(runtime: Runtime, event: RunEvent): Promise<NotificationOutcome[]> {
  const names = runtime.config.jobs[event.run.job]?.notify ?? [];
  const targets = [];
  const failures = [];
  for (const name of names) {
    try {
      targets.push({ name, notifier: await runtime.notifier(name) });
    } catch (error) {
      const message = runtime.redactor.redact(errorMessage(error));
      runtime.logger.warn(`notifier ${name} could not be set up: ${message}`);
      failures.push({ name, ok: false, error: message });
    }
  }
  const results = await dispatchNotifications(targets, event, runtime.logger);
  return [...failures, ...results].map((result) => ({ ...result, error: result.error && runtime.redactor.redact(result.error) }));
}

/** Rewrites the metrics textfile (or pushes) from the whole history; `latest` stands in when the history cannot be read. */
export async function publishJobMetrics(runtime: Runtime, history: HistoryStore, latest: { run?: RunSummary; drill?: DrillSummary }): Promise<void> {
  const metrics = runtime.config.metrics as MetricsConfig | undefined;
  if (!metrics) return;
  const textfile = metrics.textfile && resolve(runtime.configDir, metrics.textfile);
  const [runs, drills] = await Promise.all([
    history.query().catch(() => (latest.run ? [latest.run] : [])),
    history.drills().catch(() => (latest.drill ? [latest.drill] : [])),
  ]);
  await publishMetrics({ ...metrics, textfile }, runs, runtime.logger, drills);
}

/** The lines of a captured log that speak of one job (`job:` or `job/unit`), for its notification. */
export function linesOfJob(log: string[], job: string): string[] {
  return log.filter((line) => line.includes(` ${job}:`) || line.includes(` ${job}/`));
}
