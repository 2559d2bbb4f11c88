import { isValidTimeZone } from '../retention/calendar.js';
import { calendarDurationProblem, parseDurationMs, timerDurationProblem } from '../retention/duration.js';
import { scheduleProblems } from '../schedule/cron.js';
import type { ConfigDocument, DocPath } from './config-document.js';
import { formatPath } from './schema-validator.js';
import type { VyaConfig } from './types.js';

/**
 * Values the schema's shapes cannot judge (cron expressions, time zones, durations a timer or a
 * date must hold), checked at load so that `vya check` and every command refuse them, instead
 * of the daemon, `schedule list` or prune failing later.
 */
export function checkValues(config: VyaConfig, document: ConfigDocument): string[] {
  const lines: string[] = [];
  const problem = (path: DocPath, message: string, hint: string) => lines.push(`${document.locate(path)}: ${formatPath(path)}: ${message} (${hint})`);
  for (const [name, job] of Object.entries(config.jobs)) {
    const schedule = job.schedule;
    if (schedule) {
      for (const found of scheduleProblems(schedule)) problem(['jobs', name, 'schedule', found.key], found.message, found.hint);
      const timeout = schedule.timeout === undefined ? undefined : timerDurationProblem(schedule.timeout);
      if (timeout) problem(['jobs', name, 'schedule', 'timeout'], timeout, 'a run may last at most 24d; leave timeout out for no limit');
      const retryDelay = schedule.retry_delay === undefined ? undefined : retryDelayProblem(schedule.retry_delay);
      if (retryDelay) problem(['jobs', name, 'schedule', 'retry_delay'], retryDelay, 'the delay doubles for each retry: at most 1h, so that the tenth still fits a timer');
    }
    for (const found of job.drill?.schedule ? scheduleProblems(job.drill.schedule) : []) problem(['jobs', name, 'drill', 'schedule', found.key], found.message, found.hint);
    const retention = job.retention;
    if (retention?.timezone !== undefined && !isValidTimeZone(retention.timezone)) {
      problem(['jobs', name, 'retention', 'timezone'], `unknown time zone "${retention.timezone}"`, 'use an IANA name such as UTC or Europe/Paris');
    }
    const within = retention?.keep_within === undefined ? undefined : calendarDurationProblem(retention.keep_within);
    if (within) problem(['jobs', name, 'retention', 'keep_within'], within, 'e.g. 14d, 6m or 1y; keep_within keeps everything newer than that');
  }
  return lines;
}

const MAX_RETRY_DELAY_MS = 3_600_000;

function retryDelayProblem(text: string): string | undefined {
  const problem = timerDurationProblem(text);
  if (problem) return problem;
  return parseDurationMs(text) > MAX_RETRY_DELAY_MS ? `"${text}" is longer than 1h` : undefined;
}
