import { Args, Flags } from '@oclif/core';
import { VyaError } from '@vya/plugin-api';
import { VyaCommand } from '../../base-command.js';
import { confirm } from '../../core/secrets/secret-input.js';

export default class SecretsRemove extends VyaCommand {
  static override summary = 'Remove a credential from the secret store.';
  static override examples = ['<%= config.bin %> secrets remove old-db', '<%= config.bin %> secrets remove old-db --force'];
  static override args = { name: Args.string({ required: true }) };
  static override flags = {
    force: Flags.boolean({ char: 'f', summary: 'Do not ask for confirmation.' }),
    store: Flags.string({ summary: 'A secret store named in the config.' }),
  };

  async run(): Promise<{ name: string; removed: boolean }> {
    const { args, flags } = await this.parse(SecretsRemove);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const store = await runtime.secretStore(flags.store);
    if (!(await store.get(args.name))) throw new VyaError(`no secret named "${args.name}"`, { code: 'SECRET_NOT_FOUND', exitCode: 2, hint: 'vya secrets list shows the names' });
    if (!flags.force && !(await confirm(`remove ${args.name}?`))) {
      throw new VyaError(`not removed: ${args.name}`, { code: 'NOT_CONFIRMED', exitCode: 1, hint: 'confirm on the terminal, or pass --force' });
    }
    const removed = await store.delete(args.name);
    this.log(`removed ${args.name}`);
    return { name: args.name, removed };
  }
}
