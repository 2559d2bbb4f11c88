import { writeFile, mkdir, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Cron } from 'croner';
import pLimit from 'p-limit';
import { errorMessage } from '@vya/plugin-api';
import { HistoryStore } from '../history/history-store.js';
import type { Runtime } from '../runtime.js';
import { parseSchedule } from './cron.js';
import { runScheduledJob, type ScheduledRunOptions } from './scheduled-run.js';
import { scheduledTasks, type ScheduledTask } from './tasks.js';
import { runScheduledDrill } from '../drill/scheduled-drill.js';

export type DaemonOptions = ScheduledRunOptions;

interface ScheduledJob {
  /** The task's label: the job, or `JOB (drill)`. */
  name: string;
  task: ScheduledTask;
  cron: Cron;
  running: boolean;
}

/**
 * `vya daemon`: runs each job on its cron schedule, in the foreground. A job never overlaps
 * itself (a tick while it runs is skipped and logged); at most `daemon.concurrency` jobs run
 * at once; a job's `timeout` aborts it cleanly; failed runs are retried with backoff. On stop,
 * no new run starts and running ones are aborted, which removes their partial uploads.
 */
export class Daemon {
  private readonly jobs: ScheduledJob[] = [];
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly active = new Set<Promise<void>>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly options: DaemonOptions,
  ) {
    const daemon = runtime.config.daemon as { concurrency?: number; heartbeat_seconds?: number } | undefined;
    this.limit = pLimit(daemon?.concurrency ?? 2);
    for (const task of scheduledTasks(runtime.config)) this.jobs.push({ name: task.label, task, cron: parseSchedule(task.job, task.schedule), running: false });
  }

  get scheduledJobs(): string[] {
    return this.jobs.map((job) => job.name);
  }

  /** Runs until the signal aborts; resolves once every started run has finished. */
  async run(): Promise<void> {
    const log = this.runtime.logger;
    if (this.jobs.length === 0) throw new Error('no job has a schedule');
    for (const job of this.jobs) {
      job.cron.schedule(() => this.tick(job));
      job.cron.resume();
      log.info(`scheduled ${job.name}: next run ${job.cron.nextRun()?.toISOString() ?? 'never'}`);
    }
    await this.writeHeartbeat();
    const seconds = (this.runtime.config.daemon as { heartbeat_seconds?: number } | undefined)?.heartbeat_seconds ?? 60;
    this.heartbeat = setInterval(() => void this.writeHeartbeat(), seconds * 1000);
    await new Promise<void>((resolve) => {
      if (this.options.signal.aborted) return resolve();
      this.options.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    log.info('stopping: no new runs; waiting for running jobs to abort cleanly');
    for (const job of this.jobs) job.cron.stop();
    clearInterval(this.heartbeat);
    await Promise.allSettled(this.active);
    await this.writeHeartbeat(true);
  }

  private tick(job: ScheduledJob): void {
    if (this.options.signal.aborted) return;
    if (job.running) {
      this.runtime.logger.warn(`${job.name}: skipping this tick, the previous run is still running`);
      return;
    }
    job.running = true;
    const done = this.limit(() => this.runTask(job.task)).finally(() => {
      job.running = false;
      this.active.delete(done);
    });
    this.active.add(done);
  }

  private async runTask(task: ScheduledTask): Promise<void> {
    if (task.kind === 'drill') await runScheduledDrill(this.runtime, task.job, this.options.signal);
    else await runScheduledJob(this.runtime, task.job, this.options);
  }

  /** A small file monitoring can read: the daemon is alive, what runs, what is next. */
  private async writeHeartbeat(stopped = false): Promise<void> {
    const path = join(this.runtime.stateDir, 'daemon-heartbeat.json');
    const body = {
      host: hostname(),
      pid: process.pid,
      at: new Date().toISOString(),
      stopped,
      running: this.jobs.filter((job) => job.running).map((job) => job.name),
      next: Object.fromEntries(this.jobs.map((job) => [job.name, job.cron.nextRun()?.toISOString() ?? null])),
    };
    try {
      await mkdir(this.runtime.stateDir, { recursive: true });
      await writeFile(`${path}.tmp`, JSON.stringify(body, null, 2));
      await rename(`${path}.tmp`, path);
      await new HistoryStore(this.runtime.stateDir, this.runtime.logger).append({ kind: 'heartbeat', at: body.at, host: body.host, pid: body.pid });
    } catch (error) {
      this.runtime.logger.warn(`could not write the heartbeat ${path}: ${errorMessage(error)}`);
    }
  }
}
