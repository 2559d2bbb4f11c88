import { Flags } from '@oclif/core';
import { VyaCommand } from '../../base-command.js';
import { nextRuns } from '../../core/schedule/cron.js';
import { scheduledTasks } from '../../core/schedule/tasks.js';

export default class ScheduleList extends VyaCommand {
  static override summary = 'Show each scheduled job and its next run times.';
  static override examples = ['<%= config.bin %> schedule list', '<%= config.bin %> schedule list --count 5 --json'];
  static override flags = { count: Flags.integer({ summary: 'How many next runs to show per job.', default: 3, min: 1, max: 100 }) };

  async run(): Promise<{ job: string; kind: 'backup' | 'drill'; cron: string; timezone: string; next: string[] }[]> {
    const { flags } = await this.parse(ScheduleList);
    const runtime = await this.runtime({ configFlag: flags.config });
    const rows = scheduledTasks(runtime.config).map((task) => ({
      job: task.job,
      kind: task.kind,
      cron: task.schedule.cron,
      timezone: task.schedule.timezone ?? 'UTC',
      next: nextRuns(task.job, task.schedule, flags.count).map((date) => date.toISOString()),
    }));
    if (rows.length === 0) this.log('no job has a schedule');
    for (const row of rows) this.log(`${row.kind === 'drill' ? `${row.job} (drill)` : row.job}  "${row.cron}" ${row.timezone}  next: ${row.next.join(', ')}`);
    return rows;
  }
}
