import { Flags } from '@oclif/core';
import { VyaError } from '@vya/plugin-api';
import { VyaCommand } from '../base-command.js';
import { pruneJobEverywhere, type PruneReport } from '../core/retention/prune.js';
import { parseDurationMs } from '../core/retention/duration.js';

export default class Prune extends VyaCommand {
  static override summary = "Remove snapshots that jobs' retention policies no longer keep.";
  static override description =
    'Applies each job\'s retention (keep_last, keep_hourly/daily/weekly/monthly/yearly, keep_within; restic\'s forget semantics) to every unit. The newest snapshot of a unit is always kept. Manifests are removed before data, so an interrupted prune never leaves a snapshot pointing at missing data; run it again to finish. When any manifest of a job cannot be read or is not valid, nothing of that job is removed and the error names the manifests.';
  static override examples = ['<%= config.bin %> prune --dry-run', '<%= config.bin %> prune --job nightly-pg', '<%= config.bin %> prune --orphans 24h --json'];
  static override flags = {
    job: Flags.string({ summary: 'Only this job (repeatable; default: every job with a retention policy).', multiple: true }),
    'dry-run': Flags.boolean({ summary: 'Show what would be kept and removed, and why, without removing anything.' }),
    orphans: Flags.string({
      summary: 'Also remove data objects with no manifest older than this (e.g. 24h), left by an interrupted prune or backup, and partial objects (*.vya-partial-*) older than this and at least 1h.',
    }),
    'lock-wait': Flags.string({ summary: 'Wait this long (e.g. 5m) for another process holding the job lock.', default: '0s' }),
  };

  async run(): Promise<{ ok: boolean; jobs: PruneReport[] }> {
    const { flags } = await this.parse(Prune);
    const runtime = await this.runtime({ configFlag: flags.config });
    const jobs = flags.job ?? Object.entries(runtime.config.jobs).filter(([, job]) => job.retention).map(([name]) => name);
    if (jobs.length === 0) throw new VyaError('no job has a retention policy', { code: 'NO_POLICY', exitCode: 2, hint: 'add retention: { keep_daily: 7, keep_weekly: 4 } to a job' });
    const options = { dryRun: flags['dry-run'], orphansOlderThanMs: flags.orphans ? parseDurationMs(flags.orphans) : undefined, lockWaitMs: parseDurationMs(flags['lock-wait']) };
    const reports: PruneReport[] = [];
    for (const job of jobs) {
      for (const report of await pruneJobEverywhere(runtime, job, options)) {
        reports.push(report);
        this.log(describe(report));
      }
    }
    return { ok: true, jobs: reports };
  }
}

function describe(report: PruneReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines = [`${report.job} (sink ${report.sink}): keep ${report.kept}, ${verb} ${report.removed}`];
  for (const unit of report.units) {
    for (const keep of unit.keep) lines.push(`  keep    ${unit.unit}  ${keep.id}  ${keep.reasons?.join(', ')}`);
    for (const remove of unit.remove) lines.push(`  remove  ${unit.unit}  ${remove.id}`);
  }
  for (const orphan of report.orphans) lines.push(`  ${verb} orphaned data ${orphan}`);
  for (const partial of report.partials) lines.push(`  ${verb} partial object ${partial}`);
  return lines.join('\n');
}
