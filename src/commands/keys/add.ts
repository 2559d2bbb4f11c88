import { Flags } from '@oclif/core';
import { VyaCommand } from '../../base-command.js';
import { changeRecipients, type KeyChangeReport } from '../../core/keys/change-recipients.js';
import { keyChangeFlags } from '../../core/keys/command-flags.js';
import { formatKeyChange } from '../../core/keys/format-report.js';
import { normalizeRecipient } from '../../core/keys/plan-change.js';
import { parseDurationMs } from '../../core/retention/duration.js';

export default class KeysAdd extends VyaCommand {
  static override summary = 'Rewrap stored snapshots so that one more age recipient can open them.';
  static override description =
    "Each snapshot's file key is opened with an identity you give, and the snapshot gets a new age header for its recipients plus RECIPIENT; the encrypted payload is copied byte for byte under a new key, the manifest is switched to it, then the old object is deleted. An interrupted run leaves every snapshot readable; run it again to finish. Passphrase snapshots move to the recipient only with --replace-passphrase (age cannot mix both; the passphrase no longer opens them). The config is not edited: the command ends by saying what to change in it.";
  static override examples = [
    '<%= config.bin %> keys add --recipient age1... -i ~/.config/vya/age-identity.txt',
    '<%= config.bin %> keys add -r age1... --job nightly-pg --dry-run',
    '<%= config.bin %> keys add -r age1... --job legacy --replace-passphrase',
  ];
  static override flags = {
    ...keyChangeFlags,
    'replace-passphrase': Flags.boolean({ summary: 'Move passphrase-encrypted snapshots to the recipient (the passphrase no longer opens them).' }),
  };

  async run(): Promise<KeyChangeReport> {
    const { flags } = await this.parse(KeysAdd);
    const runtime = await this.runtime({ configFlag: flags.config });
    const change = { action: 'add' as const, recipient: normalizeRecipient(flags.recipient), replacePassphrase: flags['replace-passphrase'], keepUnlisted: flags['keep-unlisted'] };
    const options = { change, job: flags.job, sink: flags.sink, identityFlags: flags.identity ?? [], dryRun: flags['dry-run'], lockWaitMs: parseDurationMs(flags['lock-wait']) };
    const report = await changeRecipients(runtime, options, this.abortSignal);
    for (const problem of report.problems) runtime.logger.warn(`sink ${problem.sink}: ${problem.error}`);
    this.log(formatKeyChange(report));
    if (!report.ok) process.exitCode = 1;
    return report;
  }
}
