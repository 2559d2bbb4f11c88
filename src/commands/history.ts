import { Flags } from '@oclif/core';
import { formatBytes, type RunOutcome, type RunSummary } from '@vya/plugin-api';
import { VyaCommand } from '../base-command.js';
import { HistoryStore, type NotificationOutcome } from '../core/history/history-store.js';
import { parseSince } from '../core/history/since.js';
import { formatTable } from '../core/snapshots/format-table.js';

export default class History extends VyaCommand {
  static override summary = 'Show the runs recorded on this machine: when, outcome, units, sizes, errors.';
  static override examples = ['<%= config.bin %> history', '<%= config.bin %> history --job nightly-pg --since 7d', '<%= config.bin %> history --status failed --json'];
  static override flags = {
    job: Flags.string({ summary: 'Only this job (repeatable).', multiple: true }),
    since: Flags.string({ summary: 'Only runs since then: 30d, 12h, 2w or a date.' }),
    status: Flags.string({ summary: 'Only runs with this outcome (repeatable).', multiple: true, options: ['succeeded', 'failed', 'partial'] }),
  };

  async run(): Promise<(RunSummary & { notifications: NotificationOutcome[] })[]> {
    const { flags } = await this.parse(History);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const runs = await new HistoryStore(runtime.stateDir).query({ job: flags.job, since: flags.since ? parseSince(flags.since) : undefined, status: flags.status as RunOutcome[] | undefined });
    if (runs.length === 0) this.log('no runs recorded');
    else {
      const rows = runs.map((run) => [
        run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
        run.job,
        run.outcome.toUpperCase(),
        `${run.totals.succeeded}/${run.totals.units}`,
        formatBytes(run.totals.storedBytes),
        `${Math.round(run.durationMs / 100) / 10} s`,
        run.error ?? run.units.find((unit) => unit.error)?.error ?? '',
      ]);
      this.log(formatTable(['STARTED', 'JOB', 'OUTCOME', 'UNITS', 'STORED', 'DURATION', 'ERROR'], rows));
    }
    return runs;
  }
}
