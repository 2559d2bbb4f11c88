import { Flags } from '@oclif/core';
import { VyaCommand } from '../../base-command.js';
import { formatKeysListing } from '../../core/keys/format-report.js';
import { listKeys, type KeysListing } from '../../core/keys/list-keys.js';

export default class KeysList extends VyaCommand {
  static override summary = 'Show which age recipients (or a passphrase) each snapshot is encrypted to.';
  static override description =
    "Read from the manifests (encryption.recipients): no key is needed. After the table, each recipient with its number of snapshots and the jobs whose config lists it now; a recipient in no job's config is one to rotate away with `vya keys remove`. A manifest that cannot be used is named on stderr and makes the command exit 1.";
  static override examples = ['<%= config.bin %> keys list', '<%= config.bin %> keys list --job nightly-pg --json'];
  static override flags = {
    job: Flags.string({ summary: 'Only snapshots of this job.' }),
    sink: Flags.string({ summary: 'Only look in this sink.' }),
  };

  async run(): Promise<KeysListing> {
    const { flags } = await this.parse(KeysList);
    const runtime = await this.runtime({ configFlag: flags.config });
    const listing = await listKeys(runtime, { job: flags.job, sink: flags.sink });
    for (const failure of listing.failed_sinks) runtime.logger.warn(`sink ${failure.sink} could not be listed: ${failure.error}`);
    for (const problem of listing.problems) runtime.logger.warn(`sink ${problem.sink}: ${problem.error}`);
    if (listing.failed_sinks.length > 0 || listing.problems.length > 0) process.exitCode = 1;
    this.log(formatKeysListing(listing));
    return listing;
  }
}
