import { VyaError } from '@vya/plugin-api';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const DAY_NAMES: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const MONTH_NAMES: Record<string, number> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

/**
 * Translates a 5-field cron expression into systemd's OnCalendar syntax. Cron runs when
 * day-of-month OR day-of-week matches if both are restricted; systemd needs both, so that
 * combination is refused rather than silently changed.
 */
export function cronToOnCalendar(cron: string, timezone = 'UTC'): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) throw unsupported(cron, 'systemd timers need a 5-field cron expression (no seconds)');
  const [minute, hour, dom, month, dow] = fields;
  if (dom !== '*' && dow !== '*') throw unsupported(cron, 'both day-of-month and day-of-week are set, which cron ORs and systemd ANDs');
  const weekday = dow === '*' ? '' : `${convertList(dow, cron, 0, (v) => DAYS[parseValue(v, DAY_NAMES, cron)])} `;
  const date = `*-${convertList(month, cron, 1, (v) => pad(parseValue(v, MONTH_NAMES, cron)))}-${convertList(dom, cron, 1, (v) => pad(parseValue(v, {}, cron)))}`;
  const time = `${convertList(hour, cron, 0, (v) => pad(parseValue(v, {}, cron)))}:${convertList(minute, cron, 0, (v) => pad(parseValue(v, {}, cron)))}:00`;
  return `${weekday}${date} ${time} ${timezone}`;
}

function convertList(field: string, cron: string, first: number, value: (v: string) => string): string {
  if (field === '*') return '*';
  return field
    .split(',')
    .map((part) => {
      const step = /^(\*|\d+)\/(\d+)$/.exec(part);
      if (step) return `${value(step[1] === '*' ? String(first) : step[1])}/${step[2]}`;
      const range = /^([A-Za-z0-9]+)-([A-Za-z0-9]+)$/.exec(part);
      if (range) return `${value(range[1])}..${value(range[2])}`;
      if (/^[A-Za-z0-9]+$/.test(part)) return value(part);
      throw unsupported(cron, `cannot translate "${part}"`);
    })
    .join(',');
}

function parseValue(value: string, names: Record<string, number>, cron: string): number {
  const named = names[value.toUpperCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(value)) throw unsupported(cron, `unknown value "${value}"`);
  return Number(value);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function unsupported(cron: string, why: string): VyaError {
  return new VyaError(`cannot express cron "${cron}" as a systemd timer: ${why}`, { code: 'SCHEDULE_UNSUPPORTED', exitCode: 2, hint: 'use --cron, or simplify the expression' });
}

export interface UnitFiles {
  service: { name: string; text: string };
  timer: { name: string; text: string };
}

/** A oneshot service that runs one job, and the timer that starts it on the job's schedule. */
export function systemdUnits(options: { job: string; kind?: 'backup' | 'drill'; onCalendar: string; command: string[]; user?: string }): UnitFiles {
  const kind = options.kind ?? 'backup';
  const name = `vya-${kind}-${options.job}`;
  const what = kind === 'drill' ? 'restore drill' : 'backup';
  const service = `[Unit]
Description=vya ${what} of job ${options.job}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=${options.command.map(quoteForSystemd).join(' ')}
${options.user ? `User=${options.user}\n` : ''}Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
`;
  const timer = `[Unit]
Description=Schedule of vya ${what} of job ${options.job}

[Timer]
OnCalendar=${options.onCalendar}
Persistent=true
Unit=${name}.service

[Install]
WantedBy=timers.target
`;
  return { service: { name: `${name}.service`, text: service }, timer: { name: `${name}.timer`, text: timer } };
}

/** One crontab block per job; CRON_TZ is honoured by cronie and systemd-cron (Debian's cron uses the system zone). */
export function crontabLines(options: { job: string; kind?: 'backup' | 'drill'; cron: string; timezone: string; command: string[] }): string {
  return `# vya ${options.kind === 'drill' ? 'restore drill of' : 'backup'} job ${options.job}\nCRON_TZ=${options.timezone}\n${options.cron} ${options.command.map(quoteForShell).join(' ')}\n`;
}

function quoteForSystemd(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}

function quoteForShell(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
