import { Cron } from 'croner';
import { VyaError } from '../../plugin-api/index.js';
import type { ScheduleConfig } from '../config/types.js';
import { isValidTimeZone } from '../retention/calendar.js';

/** A job's schedule as a croner pattern (5 fields, or 6 with seconds), checked up front. */
export function parseSchedule(job: string, schedule: ScheduleConfig): Cron {
  const timezone = schedule.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) {
    throw new VyaError(`jobs.${job}.schedule.timezone: unknown time zone "${timezone}"`, { code: 'CONFIG_INVALID', exitCode: 2, hint: 'use an IANA name such as UTC or Europe/Paris' });
  }
  try {
    return new Cron(schedule.cron, { timezone, paused: true });
  } catch (error) {
    throw new VyaError(`jobs.${job}.schedule.cron: invalid cron expression "${schedule.cron}": ${(error as Error).message}`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" (a sixth, leading field is seconds)',
    });
  }
}

export function nextRuns(job: string, schedule: ScheduleConfig, count: number, from?: Date): Date[] {
  return parseSchedule(job, schedule).nextRuns(count, from);
}
