import { Args, Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { restoreSnapshot, type RestoreOutcome } from '../core/restore/restore-snapshot.js';
import { refuseIdentityContents } from '../core/snapshots/decryption-keys.js';
import { decryptionIdentityFlag } from '../core/snapshots/identity-flag.js';

export default class Restore extends VyaCommand {
  static override summary = 'Restore a snapshot into a source (a database server) or a directory.';
  static override description =
    'SNAPSHOT is an id (or a unique prefix of one) from `vya snapshots`, or JOB/UNIT@latest. --to is required: a configured source of the snapshot\'s type for database snapshots, a directory for file snapshots. A database that exists and holds objects is replaced only with --clean. The stored bytes are checked against the manifest, decrypted and decompressed on the fly and streamed into the restore; a target that cannot roll back (MySQL/MariaDB, PostgreSQL globals) gets the snapshot only after one whole read verified it (skip with --no-verify-first).';
  static override examples = [
    '<%= config.bin %> restore files-to-local/srv/app@latest --to /tmp/restored',
    '<%= config.bin %> restore 20261125T020000Z-3f9a1c --to pg-main --database shop_restored --identity ~/.config/vya/age-identity.txt',
    '<%= config.bin %> restore nightly-pg/shop@latest --to pg-main --clean --jobs 4',
  ];
  static override args = { snapshot: Args.string({ required: true, description: 'snapshot id, id prefix, or JOB/UNIT@latest' }) };
  static override flags = {
    to: Flags.string({ summary: 'Required: the configured source to restore into, or the target directory for file snapshots.' }),
    database: Flags.string({ summary: 'Restore a database under this name (created when missing).' }),
    clean: Flags.boolean({ summary: 'Replace the objects of a database that exists and holds objects (refused without it).' }),
    jobs: Flags.integer({ summary: 'Parallel restore workers, where the engine supports it.', min: 1, max: 64 }),
    'dry-run': Flags.boolean({ summary: 'Show what would be restored without changing anything.' }),
    overwrite: Flags.boolean({ summary: 'Overwrite existing files in the target directory.' }),
    identity: decryptionIdentityFlag,
    sink: Flags.string({ summary: 'Only look for the snapshot in this sink.' }),
    'allow-unencrypted': Flags.boolean({ summary: 'Restore a snapshot that is unencrypted although its job is configured for encryption.' }),
    'verify-first': Flags.boolean({
      summary: 'Read and verify the whole snapshot before restoring into a target that cannot roll back.',
      description: 'On by default; --no-verify-first saves the extra read and accepts that a damaged snapshot may be partly applied.',
      allowNo: true,
      default: true,
    }),
  };

  async run(): Promise<RestoreOutcome> {
    const { args, flags } = await this.parse(Restore);
    const runtime = await this.runtime({ configFlag: flags.config });
    refuseIdentityContents(runtime, flags.identity ?? []);
    const result = await restoreSnapshot(
      runtime,
      args.snapshot,
      {
        to: flags.to,
        database: flags.database,
        clean: flags.clean,
        jobs: flags.jobs,
        dryRun: flags['dry-run'],
        overwrite: flags.overwrite,
        identityFiles: flags.identity ?? [],
        sink: flags.sink,
        allowUnencrypted: flags['allow-unencrypted'],
        verifyFirst: flags['verify-first'],
      },
      this.abortSignal,
    );
    this.log(result.summary);
    return result;
  }
}
