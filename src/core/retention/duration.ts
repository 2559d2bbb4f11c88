import { VyaError } from '@vya/plugin-api';

/** restic's `--keep-within` durations: years, months, weeks, days, hours, e.g. `1y6m`, `14d`, `36h`. */
export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export function parseCalendarDuration(text: string): CalendarDuration {
  const duration: CalendarDuration = { years: 0, months: 0, days: 0, hours: 0 };
  if (!/^(\d+[ymwdh])+$/.test(text)) {
    throw new VyaError(`invalid duration "${text}"`, { code: 'CONFIG_INVALID', exitCode: 2, hint: 'use numbers with y (years), m (months), w (weeks), d (days), h (hours), e.g. 1y6m or 14d' });
  }
  for (const [, amount, unit] of text.matchAll(/(\d+)([ymwdh])/g)) {
    const n = Number(amount);
    if (unit === 'y') duration.years += n;
    else if (unit === 'm') duration.months += n;
    else if (unit === 'w') duration.days += 7 * n;
    else if (unit === 'd') duration.days += n;
    else duration.hours += n;
  }
  return duration;
}

/** The longest `keep_within`: beyond it the date arithmetic leaves the range of a Date. */
export const MAX_KEEP_WITHIN_YEARS = 1000;

/** Why a `keep_within` text cannot be used, or undefined when it can. */
export function calendarDurationProblem(text: string): string | undefined {
  if (!/^(\d+[ymwdh])+$/.test(text)) return `invalid duration "${text}": use numbers with y, m, w, d, h, e.g. 1y6m or 14d`;
  const { years, months, days, hours } = parseCalendarDuration(text);
  const approxYears = years + months / 12 + days / 365 + hours / 8760;
  if (!(approxYears <= MAX_KEEP_WITHIN_YEARS)) return `"${text}" is longer than the limit of ${MAX_KEEP_WITHIN_YEARS}y`;
  return undefined;
}

/** `instant` minus a calendar duration (months and years by the calendar, like Go's AddDate). */
export function subtractDuration(instant: Date, duration: CalendarDuration): Date {
  const result = new Date(instant.getTime());
  result.setUTCFullYear(result.getUTCFullYear() - duration.years, result.getUTCMonth() - duration.months, result.getUTCDate() - duration.days);
  result.setUTCHours(result.getUTCHours() - duration.hours);
  return result;
}

/** The longest delay a Node timer holds (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a timer duration (`schedule.timeout`) cannot be used, or undefined when it can. */
export function timerDurationProblem(text: string): string | undefined {
  if (!/^(\d+[dhms])+$/.test(text)) return `invalid duration "${text}": use numbers with d, h, m, s, e.g. 30m or 1h30m`;
  const ms = parseDurationMs(text);
  if (ms === 0) return `"${text}" is zero`;
  if (!(ms <= MAX_TIMER_MS)) return `"${text}" is longer than the limit of 24d (timers cannot hold more than 24.8 days)`;
  return undefined;
}

/** Plain durations for timeouts and ages: `90s`, `30m`, `2h`, `1d12h`. */
export function parseDurationMs(text: string): number {
  if (!/^(\d+[dhms])+$/.test(text)) {
    throw new VyaError(`invalid duration "${text}"`, { code: 'USAGE', exitCode: 2, hint: 'use numbers with d, h, m, s, e.g. 30m or 1h30m' });
  }
  const unit: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
  let total = 0;
  for (const [, amount, u] of text.matchAll(/(\d+)([dhms])/g)) total += Number(amount) * unit[u];
  return total;
}
