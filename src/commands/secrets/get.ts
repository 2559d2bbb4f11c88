import { Args, Flags } from '@oclif/core';
import { VyaError, type SecretRecord } from '@vya/plugin-api';
import { VyaCommand } from '../../base-command.js';

export default class SecretsGet extends VyaCommand {
  static override summary = 'Show a credential; the password and field values stay hidden unless --show-password.';
  static override examples = ['<%= config.bin %> secrets get pg-main', '<%= config.bin %> secrets get pg-main --show-password --json'];
  static override args = { name: Args.string({ required: true }) };
  static override flags = {
    'show-password': Flags.boolean({ summary: 'Print the password and field values.' }),
    store: Flags.string({ summary: 'A secret store named in the config.' }),
  };

  async run(): Promise<SecretRecord> {
    const { args, flags } = await this.parse(SecretsGet);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const record = await (await runtime.secretStore(flags.store)).get(args.name);
    if (!record) throw new VyaError(`no secret named "${args.name}" in store "${flags.store ?? runtime.defaultSecretStoreName()}"`, { code: 'SECRET_NOT_FOUND', exitCode: 2, hint: 'vya secrets list shows the names' });
    const show = flags['show-password'];
    const hidden = (value: string | undefined) => (value === undefined ? undefined : show ? value : '********');
    const shown: SecretRecord = {
      ...record,
      password: hidden(record.password),
      fields: record.fields && Object.fromEntries(Object.entries(record.fields).map(([k, v]) => [k, hidden(v) ?? ''])),
    };
    this.log(`name:        ${shown.name}`);
    this.log(`username:    ${shown.username ?? ''}`);
    this.log(`password:    ${shown.password ?? '(none)'}`);
    for (const [key, value] of Object.entries(shown.fields ?? {})) this.log(`${`${key}:`.padEnd(12)} ${value}`);
    this.log(`description: ${shown.metadata?.description ?? ''}`);
    this.log(`created:     ${shown.metadata?.created_at ?? ''}`);
    this.log(`updated:     ${shown.metadata?.updated_at ?? ''}`);
    return show ? shown : { ...shown, password: undefined, fields: shown.fields && Object.fromEntries(Object.keys(shown.fields).map((k) => [k, '********'])) };
  }
}
