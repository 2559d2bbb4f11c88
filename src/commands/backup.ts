import { Args, Flags } from '@oclif/core';
import { formatBytes, type RunSummary } from '@vya/plugin-api';
import { VyaCommand } from '../base-command.js';
import { runBackups, type BackupCommandResult } from '../core/backup/run-backups.js';
import type { DryRunPlan } from '../core/backup/run-job.js';
import { ProgressLine } from '../core/progress.js';

export default class Backup extends VyaCommand {
  static override summary = 'Back up the units of one or more jobs (all jobs when none is named).';
  static override description =
    'Each unit (database, path set) is streamed from its source through compression and encryption into the sink, then its manifest is written. Exits 0 only when every unit of every job succeeded.';
  static override examples = ['<%= config.bin %> backup', '<%= config.bin %> backup nightly-pg', '<%= config.bin %> backup --dry-run --json'];
  static override strict = false;
  static override args = { jobs: Args.string({ description: 'job names (default: every job)' }) };
  static override flags = {
    'dry-run': Flags.boolean({ summary: 'Show which units would be backed up, and where, without doing it.' }),
    scheduled: Flags.boolean({ summary: "Apply each job's schedule: jitter, timeout and retries, as vya daemon does (used by vya schedule install).", exclusive: ['dry-run'] }),
  };

  async run(): Promise<BackupCommandResult> {
    const { flags, argv } = await this.parse(Backup);
    const runtime = await this.runtime({ configFlag: flags.config });
    const progress = ProgressLine.forTerminal(!this.jsonEnabled());
    try {
      const result = await runBackups(runtime, argv as string[], { dryRun: flags['dry-run'], scheduled: flags.scheduled, signal: this.abortSignal, vyaVersion: this.config.version, progress });
      for (const plan of result.plans ?? []) this.log(describePlan(plan));
      for (const run of result.runs ?? []) this.log(describeRun(run));
      if (!result.ok) process.exitCode = 1;
      return result;
    } finally {
      progress?.stop();
    }
  }
}

function describePlan(plan: DryRunPlan): string {
  if (plan.error) return `${plan.job}: cannot plan: ${plan.error}`;
  return `${plan.job}: ${plan.units.length} unit(s) from ${plan.source} to ${plan.sinks.join(', ')}: ${plan.units.map((u) => u.unit).join(', ') || '(none)'}`;
}

function describeRun(run: RunSummary): string {
  const lines = [`${run.job}: ${run.outcome}: ${run.totals.succeeded}/${run.totals.units} unit(s), ${formatBytes(run.totals.rawBytes)} read, ${formatBytes(run.totals.storedBytes)} stored`];
  if (run.error) lines.push(`  error: ${run.error}`);
  for (const unit of run.units) {
    if (unit.status === 'succeeded') lines.push(`  ok      ${unit.unit}  ${unit.snapshotId}`);
    else if (unit.status === 'partial') lines.push(`  PARTIAL ${unit.unit}  ${unit.snapshotId}  ${unit.error}`);
    else lines.push(`  FAILED  ${unit.unit}  ${unit.error}`);
  }
  return lines.join('\n');
}
