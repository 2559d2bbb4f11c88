import { VyaError } from '../../plugin-api/index.js';

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

/** `instant` minus a calendar duration (months and years by the calendar, like Go's AddDate). */
export function subtractDuration(instant: Date, duration: CalendarDuration): Date {
  const result = new Date(instant.getTime());
  result.setUTCFullYear(result.getUTCFullYear() - duration.years, result.getUTCMonth() - duration.months, result.getUTCDate() - duration.days);
  result.setUTCHours(result.getUTCHours() - duration.hours);
  return result;
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
