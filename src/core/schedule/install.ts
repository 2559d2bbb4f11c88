import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VyaError } from '@vya/plugin-api';
import type { Runtime } from '../runtime.js';
import { parseSchedule } from './cron.js';
import { crontabLines, cronToOnCalendar, systemdUnits } from './systemd.js';
import { scheduledTasks, type ScheduledTask } from './tasks.js';

export interface InstalledSchedule {
  kind: 'systemd' | 'cron';
  jobs: string[];
  files: string[];
  crontab?: string;
}

/** Writes the units (or crontab lines) that run each scheduled job with this config. */
export async function installSchedule(
  runtime: Runtime,
  options: { kind: 'systemd' | 'cron'; dir: string; out?: string; user?: string; bin: string },
): Promise<InstalledSchedule> {
  const tasks = scheduledTasks(runtime.config);
  if (tasks.length === 0) throw new VyaError('no job has a schedule', { code: 'NO_SCHEDULE', exitCode: 2, hint: 'add schedule: { cron: "0 2 * * *", timezone: UTC } to a job' });
  if (!runtime.configFile) throw new VyaError('schedule install needs a config file', { code: 'CONFIG_MISSING', exitCode: 2, hint: 'pass --config FILE' });
  const config = resolve(runtime.configFile);
  const command = (task: ScheduledTask) =>
    task.kind === 'drill' ? [process.execPath, join(options.bin, 'bin', 'run.js'), 'drill', task.job, '--scheduled', '--config', config] : [process.execPath, join(options.bin, 'bin', 'run.js'), 'backup', task.job, '--scheduled', '--config', config];
  const files: string[] = [];
  if (options.kind === 'systemd') {
    await mkdir(options.dir, { recursive: true });
    for (const task of tasks) {
      parseSchedule(task.job, task.schedule);
      const units = systemdUnits({ job: task.job, kind: task.kind, onCalendar: cronToOnCalendar(task.schedule.cron, task.schedule.timezone ?? 'UTC'), command: command(task), user: options.user });
      for (const unit of [units.service, units.timer]) {
        const path = join(options.dir, unit.name);
        await writeFile(path, unit.text);
        files.push(path);
      }
    }
    return { kind: 'systemd', jobs: tasks.map((task) => task.label), files };
  }
  const crontab = tasks
    .map((task) => {
      parseSchedule(task.job, task.schedule);
      const where = task.kind === 'drill' ? `jobs.${task.job}.drill.schedule.cron` : `jobs.${task.job}.schedule.cron`;
      if (task.schedule.cron.trim().split(/\s+/).length !== 5) throw new VyaError(`${where} has seconds, which cron cannot express`, { code: 'SCHEDULE_UNSUPPORTED', exitCode: 2, hint: 'use 5 fields, or vya daemon' });
      return crontabLines({ job: task.job, kind: task.kind, cron: task.schedule.cron, timezone: task.schedule.timezone ?? 'UTC', command: command(task) });
    })
    .join('\n');
  if (options.out) {
    await writeFile(options.out, crontab);
    files.push(options.out);
  }
  return { kind: 'cron', jobs: tasks.map((task) => task.label), files, crontab };
}
