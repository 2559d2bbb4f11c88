import { VyaError } from '@vya/plugin-api';

/** `--since 30d`, `12h`, `2w` (ago), or an ISO date. */
export function parseSince(text: string, now = new Date()): Date {
  const relative = /^(\d+)([hdw])$/.exec(text);
  if (relative) {
    const hours = { h: 1, d: 24, w: 24 * 7 }[relative[2] as 'h' | 'd' | 'w'] * Number(relative[1]);
    return new Date(now.getTime() - hours * 3_600_000);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new VyaError(`--since ${text}: not a duration or a date`, { code: 'USAGE', exitCode: 2, hint: 'use e.g. 30d, 12h, 2w or 2026-11-01' });
  return date;
}
