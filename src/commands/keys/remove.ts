import { VyaCommand } from '../../base-command.js';
import { changeRecipients, type KeyChangeReport } from '../../core/keys/change-recipients.js';
import { keyChangeFlags } from '../../core/keys/command-flags.js';
import { formatKeyChange } from '../../core/keys/format-report.js';
import { normalizeRecipient } from '../../core/keys/plan-change.js';
import { parseDurationMs } from '../../core/retention/duration.js';

export default class KeysRemove extends VyaCommand {
  static override summary = 'Rewrap stored snapshots so that an age recipient can no longer open them.';
  static override description =
    "Each snapshot encrypted to RECIPIENT gets a new age header for its other recipients (the identity you give must be one of those, or RECIPIENT's own); the encrypted payload is copied byte for byte under a new key, the manifest is switched to it, then the old object is deleted. Removing a snapshot's last recipient is refused; snapshots not encrypted to RECIPIENT are left as they are. Whoever holds the removed key can still read copies of the old objects made before the rewrap (sink versioning, backups of the bucket): see docs/key-rotation.md. The command ends by saying what to change in the config.";
  static override examples = ['<%= config.bin %> keys remove --recipient age1... -i ~/.config/vya/age-identity.txt', '<%= config.bin %> keys remove -r age1... --job nightly-pg --dry-run --json'];
  static override flags = keyChangeFlags;

  async run(): Promise<KeyChangeReport> {
    const { flags } = await this.parse(KeysRemove);
    const runtime = await this.runtime({ configFlag: flags.config });
    const change = { action: 'remove' as const, recipient: normalizeRecipient(flags.recipient), replacePassphrase: false, keepUnlisted: flags['keep-unlisted'] };
    const options = { change, job: flags.job, sink: flags.sink, identityFlags: flags.identity ?? [], dryRun: flags['dry-run'], lockWaitMs: parseDurationMs(flags['lock-wait']) };
    const report = await changeRecipients(runtime, options, this.abortSignal);
    for (const problem of report.problems) runtime.logger.warn(`sink ${problem.sink}: ${problem.error}`);
    this.log(formatKeyChange(report));
    if (!report.ok) process.exitCode = 1;
    return report;
  }
}
