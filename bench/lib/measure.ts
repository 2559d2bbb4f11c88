import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { serverCpuSeconds } from './server-cpu.js';

/** One timed run of a shell command: wall, CPU of every process it ran, and vya's own peak RSS. */
export interface Sample {
  wall: number;
  cpu: number;
  user: number;
  sys: number;
  /** Peak RSS (MiB) of the process run under `vyaTime` inside the command, when there is one. */
  vyaRssMiB?: number;
  /** CPU seconds the database servers spent during the run (serverCpuSeconds): not in `cpu`. */
  serverCpu: number;
  load: number;
}

const TIME = '/usr/bin/time';

/**
 * Runs `bash -o pipefail -c command` under GNU time: %U/%S of bash count every process the
 * pipeline waited for (the dump tool, zstd, age, vya and its children). `scratch` holds the
 * report files.
 */
export function timeCommand(command: string, scratch: string, env: NodeJS.ProcessEnv = process.env): Sample {
  const report = join(scratch, 'time.out');
  const rss = join(scratch, 'vya-rss.out');
  rmSync(rss, { force: true });
  const load = loadAverage();
  const serverBefore = serverCpuSeconds();
  const result = spawnSync(TIME, ['-f', '%e %U %S', '-o', report, 'bash', '-o', 'pipefail', '-c', command], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...env, VYA_BENCH_RSS_FILE: rss } });
  const serverCpu = serverCpuSeconds() - serverBefore;
  if (result.status !== 0) throw new Error(`failed (${result.status}): ${command}\n${result.stderr.toString().slice(-2000)}`);
  const [wall, user, sys] = readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const vyaRss = readRss(rss);
  return { wall, user, sys, cpu: user + sys, serverCpu, load, ...(vyaRss === undefined ? {} : { vyaRssMiB: vyaRss }) };
}

/**
 * The vya command line as it runs inside a timed command: under its own GNU time, whose %M
 * is the peak RSS of the node process (its children, pg_dump and the like, are smaller and
 * counted by the outer time's CPU only).
 */
export function vyaTime(vyaArgs: string): string {
  return `${TIME} -f %M -o "$VYA_BENCH_RSS_FILE" ${vyaArgs}`;
}

function readRss(path: string): number | undefined {
  try {
    const kib = Number(readFileSync(path, 'utf8').trim().split('\n').pop());
    return Number.isFinite(kib) ? kib / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Before a scenario: flushes dirty pages and waits until the CPUs have been at least 90% idle
 * for a whole second (at most `maxSeconds`). A scenario that wrote gigabytes, or left the
 * database server a checkpoint to do, would otherwise be timed with the next one. The load
 * average cannot tell: it lags by a minute. Returns the seconds waited and the last second's
 * idle share.
 */
export function settle(maxSeconds = 60): { waited: number; idle: number } {
  const started = Date.now();
  execFileSync('sync');
  let idle = 0;
  while (Date.now() - started < maxSeconds * 1000) {
    const before = cpuTimes();
    sleepMs(1000);
    const after = cpuTimes();
    idle = (after.idle - before.idle) / Math.max(1, after.total - before.total);
    if (idle >= 0.9) break;
  }
  return { waited: Math.round((Date.now() - started) / 1000), idle: Math.round(idle * 100) / 100 };
}

/**
 * All CPUs' jiffies from /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal
 * (guest time is already in user). iowait counts as busy: a flush is still running.
 */
function cpuTimes(): { idle: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: fields[3], total: fields.reduce((sum, value) => sum + value, 0) };
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
