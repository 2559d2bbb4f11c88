import { Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { initConfig, type InitResult } from '../core/init/init-config.js';

export default class Init extends VyaCommand {
  static override summary = 'Write a commented starter vya.yml: files backed up to a local directory.';
  static override description = 'The config works as written. With encryption (the default) a new age identity is written beside it, mode 0600: keep a copy somewhere safe.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --path /srv/app/uploads --repository /var/backups/vya',
    '<%= config.bin %> init --config /etc/vya/vya.yml --no-encrypt',
  ];
  static override flags = {
    path: Flags.string({ summary: 'A directory to back up (repeatable; default: the current directory).', multiple: true }),
    repository: Flags.string({ summary: 'Where the local sink keeps backups.', default: './vya-repository' }),
    encrypt: Flags.boolean({ summary: 'Encrypt with a new age identity.', default: true, allowNo: true }),
    force: Flags.boolean({ summary: 'Overwrite an existing config (and identity).' }),
  };

  async run(): Promise<InitResult> {
    const { flags } = await this.parse(Init);
    const result = await initConfig({
      configFile: flags.config ?? 'vya.yml',
      paths: flags.path ?? ['.'],
      repository: flags.repository,
      encrypt: flags.encrypt,
      force: flags.force,
    });
    this.log(`wrote ${result.config}`);
    if (result.identity) this.log(`wrote ${result.identity} (age identity for ${result.recipient}; keep a copy somewhere safe)`);
    this.log('next: vya check, then vya backup');
    return result;
  }
}
