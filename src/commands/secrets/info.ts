import { Flags } from '@oclif/core';
import { VyaCommand } from '../../base-command.js';

export default class SecretsInfo extends VyaCommand {
  static override summary = 'Describe the secret store: backend, location, key source, how many secrets.';
  static override examples = ['<%= config.bin %> secrets info'];
  static override flags = { store: Flags.string({ summary: 'A secret store named in the config.' }) };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(SecretsInfo);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const name = flags.store ?? runtime.defaultSecretStoreName();
    const store = await runtime.secretStore(flags.store);
    const info = { store: name, read_only: store.readOnly === true, ...(await store.info?.()) };
    for (const [key, value] of Object.entries(info)) this.log(`${`${key}:`.padEnd(10)} ${String(value)}`);
    return info;
  }
}
