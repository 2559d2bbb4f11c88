import { Cron } from 'croner';
import { VyaError } from '@vya/plugin-api';
import type { ScheduleConfig } from '../config/types.js';
import { isValidTimeZone } from '../retention/calendar.js';

const CRON_HINT = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" (a sixth, leading field is seconds)';
const TIMEZONE_HINT = 'use an IANA name such as UTC or Europe/Paris';

/** What is wrong with a schedule's cron or time zone, as `key: message` (the key under `schedule`); none when it can run. */
export function scheduleProblems(schedule: ScheduleConfig): { key: 'cron' | 'timezone'; message: string; hint: string }[] {
  const timezone = schedule.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) return [{ key: 'timezone', message: `unknown time zone "${timezone}"`, hint: TIMEZONE_HINT }];
  try {
    const cron = new Cron(schedule.cron, { timezone, paused: true });
    if (!cron.nextRun()) return [{ key: 'cron', message: `"${schedule.cron}" never fires (no such date)`, hint: CRON_HINT }];
    return [];
  } catch (error) {
    return [{ key: 'cron', message: `invalid cron expression "${schedule.cron}": ${(error as Error).message.replace(/^CronPattern: /, '')}`, hint: CRON_HINT }];
  }
}

/** A job's schedule as a croner pattern (5 fields, or 6 with seconds), checked up front. */
export function parseSchedule(job: string, schedule: ScheduleConfig): Cron {
  const [problem] = scheduleProblems(schedule);
  if (problem) throw new VyaError(`jobs.${job}.schedule.${problem.key}: ${problem.message}`, { code: 'CONFIG_INVALID', exitCode: 2, hint: problem.hint });
  return new Cron(schedule.cron, { timezone: schedule.timezone ?? 'UTC', paused: true });
}

export function nextRuns(job: string, schedule: ScheduleConfig, count: number, from?: Date): Date[] {
  return parseSchedule(job, schedule).nextRuns(count, from);
}
