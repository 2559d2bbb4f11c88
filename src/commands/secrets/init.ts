import { Flags } from '@oclif/core';
import { VyaError } from '@vya/plugin-api';
import { VyaCommand } from '../../base-command.js';

export default class SecretsInit extends VyaCommand {
  static override summary = 'Create the secret store: for a vault file, a random key file (0600) and an empty vault.';
  static override description = 'Keep a copy of the key file somewhere safe and apart from backups of the vault: without it, the vault cannot be opened.';
  static override examples = ['<%= config.bin %> secrets init', '<%= config.bin %> secrets init --store vault --config /etc/vya/vya.yml'];
  static override flags = { store: Flags.string({ summary: 'A secret store named in the config.' }) };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(SecretsInit);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const store = await runtime.secretStore(flags.store);
    if (!store.initialize) throw new VyaError(`secret store "${flags.store ?? runtime.defaultSecretStoreName()}" needs no initialization`, { code: 'NOT_APPLICABLE', exitCode: 2 });
    const result = await store.initialize();
    for (const [key, value] of Object.entries(result)) if (value !== undefined) this.log(`${key}: ${String(value)}`);
    return result;
  }
}
