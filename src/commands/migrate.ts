import { Args, Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { runMigration, type MigrationReport } from '../core/migrate/run-migration.js';

export default class Migrate extends VyaCommand {
  static override summary = 'Turn a vya-backupdb (Python) config into vya.yml, moving its passwords into the vault.';
  static override description =
    'One source per db_config entry, files entries to the files source, db_ignore/database to exclude/include, e-mail settings to an SMTP notifier, the weekly schedule to cron, retention to keep_within, Prometheus to metrics. Clear-text passwords go to the vault; the new config holds only secret: references. With --vault-file, the old encrypted vault is imported too. Running it twice changes nothing.';
  static override examples = [
    '<%= config.bin %> migrate /opt/vya-backupdb/vya_backupbd.json --dry-run',
    '<%= config.bin %> migrate /opt/vya-backupdb/vya_backupbd.json --vault-file /opt/vya-backupdb/.secrets/vault.json.enc --vault-hostname db1 --out /etc/vya/vya.yml',
  ];
  static override args = { file: Args.string({ required: true, description: 'the legacy vya_backupbd.json' }) };
  static override flags = {
    out: Flags.string({ char: 'o', summary: 'Where to write the new config.', default: 'vya.yml' }),
    'dry-run': Flags.boolean({ summary: 'Print the config and what would move, change nothing.' }),
    'vault-file': Flags.string({ summary: "The legacy .secrets/vault.json.enc to import." }),
    'vault-hostname': Flags.string({ summary: 'The host name the legacy vault was created on (its key).' }),
  };

  async run(): Promise<Omit<MigrationReport, 'yaml'> & { yaml?: string }> {
    const { args, flags } = await this.parse(Migrate);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const report = await runMigration(runtime, { legacyFile: args.file, out: flags.out, dryRun: flags['dry-run'], vaultFile: flags['vault-file'], vaultHostname: flags['vault-hostname'] });
    if (flags['dry-run']) this.log(report.yaml);
    this.log(`config ${report.config.path}: ${report.config.action}`);
    for (const secret of report.secrets) this.log(`secret ${secret.name}: ${secret.action}`);
    for (const note of report.notes) this.log(`note: ${note}`);
    const { yaml: _yaml, ...rest } = report;
    return flags['dry-run'] ? report : rest;
  }
}
