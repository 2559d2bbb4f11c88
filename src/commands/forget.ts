import { Args, Flags } from '@oclif/core';
import { VyaError } from '@vya/plugin-api';
import { VyaCommand } from '../base-command.js';
import { describeCopy, forgetSnapshots, planForget, type ForgetTarget } from '../core/forget/forget-snapshots.js';
import { confirm } from '../core/secrets/secret-input.js';

export default class Forget extends VyaCommand {
  static override summary = 'Remove chosen snapshots, from one sink or from every sink that holds them.';
  static override description =
    "Removes each named snapshot's manifest and then its data, under the job's exclusive lock in each sink. Unlike prune, the newest snapshot of a unit is not protected: what is named goes. Every name is resolved first, so an unknown id removes nothing. Asks for confirmation on a terminal; without one, --yes is required.";
  static override examples = ['<%= config.bin %> forget 20261125T020000Z-3f9a1c', '<%= config.bin %> forget 20261125T020000Z-3f9a1c --sink offsite --yes', '<%= config.bin %> forget nightly-pg/shop@latest --dry-run'];
  static override strict = false;
  static override args = { snapshots: Args.string({ description: 'snapshot ids, id prefixes, or JOB/UNIT@ID', required: true }) };
  static override flags = {
    sink: Flags.string({ summary: 'Only remove the copies in this sink (default: every sink that holds them).' }),
    'dry-run': Flags.boolean({ summary: 'Show what would be removed without removing anything.' }),
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation (required without a terminal).' }),
  };

  async run(): Promise<{ dryRun: boolean; snapshots: ForgetTarget[] }> {
    const { flags, argv } = await this.parse(Forget);
    const runtime = await this.runtime({ configFlag: flags.config });
    const copies = await planForget(runtime, argv as string[], flags.sink);
    const listed = copies.map(describeCopy);
    if (flags['dry-run']) {
      for (const copy of listed) this.log(`would remove  ${copy.id}  ${copy.job}/${copy.unit}  sink ${copy.sink}`);
      this.log(`${listed.length} snapshot cop${listed.length === 1 ? 'y' : 'ies'} would be removed (dry run)`);
      return { dryRun: true, snapshots: listed };
    }
    if (!flags.yes) await this.confirmRemoval(listed);
    const removed = await forgetSnapshots(runtime, copies);
    for (const copy of removed) this.log(`removed  ${copy.id}  ${copy.job}/${copy.unit}  sink ${copy.sink}`);
    this.log(`${removed.length} snapshot cop${removed.length === 1 ? 'y' : 'ies'} removed`);
    return { dryRun: false, snapshots: removed };
  }

  private async confirmRemoval(copies: ForgetTarget[]): Promise<void> {
    if (!process.stdin.isTTY) {
      throw new VyaError('forget needs confirmation, and there is no terminal to ask on: nothing removed', { code: 'NOT_CONFIRMED', exitCode: 2, hint: 'pass --yes to remove without asking, or --dry-run to see what would be removed' });
    }
    for (const copy of copies) this.logToStderr(`  ${copy.id}  ${copy.job}/${copy.unit}  sink ${copy.sink}`);
    if (!(await confirm(`remove ${copies.length} snapshot cop${copies.length === 1 ? 'y' : 'ies'} for good?`))) {
      throw new VyaError('not confirmed: nothing removed', { code: 'NOT_CONFIRMED', exitCode: 1, hint: 'answer yes at the prompt, or pass --yes' });
    }
  }
}
