import { readdirSync, readFileSync } from 'node:fs';

/** The database servers the bench talks to, by the name the kernel gives their processes. */
const SERVER_COMMANDS = new Set(['postgres', 'mariadbd', 'mysqld']);

/** /proc times are in USER_HZ, which Linux fixes at 100 for user space. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds the database servers have used so far: user + system of each server process and
 * of its children that have exited and been reaped. A PostgreSQL backend that serves one
 * pg_dump and exits lands in the postmaster's children times; MariaDB's threads are in its one
 * process. The difference of two readings is what the servers spent in between, which the
 * side's own CPU (its processes only) does not show but which shares the same cores.
 */
export function serverCpuSeconds(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStatFields(entry);
    if (!fields || !SERVER_COMMANDS.has(fields.command)) continue;
    ticks += fields.utime + fields.stime + fields.cutime + fields.cstime;
  }
  return ticks / TICKS_PER_SECOND;
}

function procStatFields(pid: string): { command: string; utime: number; stime: number; cutime: number; cstime: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // it exited meanwhile
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const close = stat.lastIndexOf(')');
  const command = stat.slice(stat.indexOf('(') + 1, close);
  const rest = stat.slice(close + 2).split(' ');
  // Fields 14-17 of proc(5) (utime, stime, cutime, cstime) are rest[11..14].
  const [utime, stime, cutime, cstime] = rest.slice(11, 15).map(Number);
  return { command, utime, stime, cutime, cstime };
}
