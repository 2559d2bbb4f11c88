import type { ScheduleConfig, VyaConfig } from '../config/types.js';

/** Something the schedule runs: a job's backup (`schedule`) or its restore drill (`drill.schedule`). */
export interface ScheduledTask {
  job: string;
  kind: 'backup' | 'drill';
  schedule: ScheduleConfig;
  /** How logs and listings name it: the job, or `JOB (drill)`. */
  label: string;
}

export function scheduledTasks(config: VyaConfig): ScheduledTask[] {
  const tasks: ScheduledTask[] = [];
  for (const [job, settings] of Object.entries(config.jobs)) {
    if (settings.schedule) tasks.push({ job, kind: 'backup', schedule: settings.schedule, label: job });
    if (settings.drill?.schedule) tasks.push({ job, kind: 'drill', schedule: settings.drill.schedule, label: `${job} (drill)` });
  }
  return tasks;
}
