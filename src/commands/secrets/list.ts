import { Flags } from '@oclif/core';
import type { SecretSummary } from '@vya/plugin-api';
import { VyaCommand } from '../../base-command.js';
import { formatTable } from '../../core/snapshots/format-table.js';

export default class SecretsList extends VyaCommand {
  static override summary = 'List the credentials in the secret store (never their passwords).';
  static override examples = ['<%= config.bin %> secrets list', '<%= config.bin %> secrets list --json'];
  static override flags = { store: Flags.string({ summary: 'A secret store named in the config.' }) };

  async run(): Promise<SecretSummary[]> {
    const { flags } = await this.parse(SecretsList);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const secrets = await (await runtime.secretStore(flags.store)).list();
    if (secrets.length === 0) this.log('no secrets');
    else this.log(formatTable(['NAME', 'USERNAME', 'FIELDS', 'DESCRIPTION', 'UPDATED'], secrets.map((s) => [s.name, s.username ?? '', (s.fields ?? []).join(','), s.metadata?.description ?? '', s.metadata?.updated_at ?? ''])));
    return secrets;
  }
}
