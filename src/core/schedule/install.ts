import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VyaError } from '@vya/plugin-api';
import type { Runtime } from '../runtime.js';
import { parseSchedule } from './cron.js';
import { crontabLines, cronToOnCalendar, systemdUnits } from './systemd.js';

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
  const jobs = Object.entries(runtime.config.jobs).filter(([, job]) => job.schedule);
  if (jobs.length === 0) throw new VyaError('no job has a schedule', { code: 'NO_SCHEDULE', exitCode: 2, hint: 'add schedule: { cron: "0 2 * * *", timezone: UTC } to a job' });
  if (!runtime.configFile) throw new VyaError('schedule install needs a config file', { code: 'CONFIG_MISSING', exitCode: 2, hint: 'pass --config FILE' });
  const command = (job: string) => [process.execPath, join(options.bin, 'bin', 'run.js'), 'backup', job, '--scheduled', '--config', resolve(runtime.configFile!)];
  const files: string[] = [];
  if (options.kind === 'systemd') {
    await mkdir(options.dir, { recursive: true });
    for (const [name, job] of jobs) {
      parseSchedule(name, job.schedule!);
      const units = systemdUnits({ job: name, onCalendar: cronToOnCalendar(job.schedule!.cron, job.schedule!.timezone ?? 'UTC'), command: command(name), user: options.user });
      for (const unit of [units.service, units.timer]) {
        const path = join(options.dir, unit.name);
        await writeFile(path, unit.text);
        files.push(path);
      }
    }
    return { kind: 'systemd', jobs: jobs.map(([name]) => name), files };
  }
  const crontab = jobs
    .map(([name, job]) => {
      parseSchedule(name, job.schedule!);
      if (job.schedule!.cron.trim().split(/\s+/).length !== 5) throw new VyaError(`jobs.${name}.schedule.cron has seconds, which cron cannot express`, { code: 'SCHEDULE_UNSUPPORTED', exitCode: 2, hint: 'use 5 fields, or vya daemon' });
      return crontabLines({ job: name, cron: job.schedule!.cron, timezone: job.schedule!.timezone ?? 'UTC', command: command(name) });
    })
    .join('\n');
  if (options.out) {
    await writeFile(options.out, crontab);
    files.push(options.out);
  }
  return { kind: 'cron', jobs: jobs.map(([name]) => name), files, crontab };
}
