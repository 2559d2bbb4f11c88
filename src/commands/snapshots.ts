import { Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { listSnapshotsEverywhere } from '../core/snapshots/find-snapshots.js';
import { formatSnapshotTable } from '../core/snapshots/format-table.js';
import { groupBySnapshot, type ListedSnapshot } from '../core/snapshots/group-snapshots.js';

export default class Snapshots extends VyaCommand {
  static override summary = 'List the snapshots in the configured sinks.';
  static override description =
    'Only snapshots whose manifest was written are listed: an interrupted or failed backup never shows up here. A snapshot held by several sinks (a job with `sinks: [a, b]`, or `vya copy`) is listed once, with every sink that holds it. A manifest that cannot be read or is not valid is reported by key on stderr and makes the command exit 1; the valid snapshots are still listed.';
  static override examples = ['<%= config.bin %> snapshots', '<%= config.bin %> snapshots --job nightly-pg --unit shop', '<%= config.bin %> snapshots --json'];
  static override flags = {
    job: Flags.string({ summary: 'Only snapshots of this job.' }),
    unit: Flags.string({ summary: 'Only snapshots of this unit (database, path set).', dependsOn: ['job'] }),
    sink: Flags.string({ summary: 'Only look in this sink.' }),
  };

  async run(): Promise<ListedSnapshot[]> {
    const { flags } = await this.parse(Snapshots);
    const runtime = await this.runtime({ configFlag: flags.config });
    const listing = await listSnapshotsEverywhere(runtime, { job: flags.job, unit: flags.unit, sink: flags.sink });
    for (const failure of listing.failures) runtime.logger.warn(`sink ${failure.sink} could not be listed: ${failure.error}`);
    for (const problem of listing.problems) runtime.logger.warn(`sink ${problem.sink}: ${problem.error}`);
    if (listing.failures.length > 0 || listing.problems.length > 0) process.exitCode = 1;
    const snapshots = groupBySnapshot(listing.snapshots);
    if (snapshots.length === 0) this.log('no snapshots');
    else this.log(formatSnapshotTable(snapshots));
    if (listing.problems.length > 0) this.log(`${listing.problems.length} manifest(s) cannot be used (see the warnings); \`vya verify --all\` counts them as failures`);
    return snapshots;
  }
}
