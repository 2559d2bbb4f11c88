import { Args, Flags } from '@oclif/core';
import { VyaError } from '@vya/plugin-api';
import { VyaCommand } from '../../base-command.js';
import { parseFieldFlags, promptHidden, readStdin } from '../../core/secrets/secret-input.js';

export default class SecretsSet extends VyaCommand {
  static override summary = 'Store a credential (username, password, free fields) in the secret store.';
  static override description =
    'The password is asked on the terminal (not echoed), or read from standard input when it is not a terminal; --password puts it in your shell history and process list, so it is for throwaway values only. Config files refer to it as secret:NAME.password, secret:NAME.username, secret:NAME.<field>.';
  static override examples = [
    '<%= config.bin %> secrets set pg-main --username backup',
    'printf %s "$PW" | <%= config.bin %> secrets set shop --username root --description "shop MySQL"',
    '<%= config.bin %> secrets set gcp --field json=- --no-password < service-account.json',
  ];
  static override args = { name: Args.string({ required: true, description: 'credential name, e.g. pg-main' }) };
  static override flags = {
    username: Flags.string({ char: 'u', summary: 'Username.' }),
    password: Flags.string({ summary: 'The password itself (visible to other users of this machine: prefer the prompt or stdin).' }),
    'no-password': Flags.boolean({ summary: 'Store no password (fields only).' }),
    field: Flags.string({ summary: 'A free field key=value (repeatable); value - reads it from stdin.', multiple: true }),
    description: Flags.string({ char: 'd', summary: 'What this credential is for.' }),
    store: Flags.string({ summary: 'A secret store named in the config (default: secrets.store).' }),
  };

  async run(): Promise<{ name: string; store: string; updated: boolean }> {
    const { args, flags } = await this.parse(SecretsSet);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const store = await runtime.secretStore(flags.store);
    if (store.readOnly) throw new VyaError(`secret store "${flags.store ?? runtime.defaultSecretStoreName()}" is read-only`, { code: 'READ_ONLY', hint: 'choose a writable store with --store' });
    const { fields, fromStdin } = parseFieldFlags(flags.field);
    let password = flags.password;
    if (fromStdin) fields[fromStdin] = await readStdin();
    else if (password === undefined && !flags['no-password']) password = process.stdin.isTTY ? await promptHidden(`password for ${args.name}: `) : await readStdin();
    if (password !== undefined) runtime.addSecret(password);
    Object.values(fields).forEach((value) => runtime.addSecret(value));
    const existing = await store.get(args.name);
    await store.set({
      name: args.name,
      username: flags.username ?? existing?.username,
      password: password ?? existing?.password,
      fields: { ...existing?.fields, ...fields },
      metadata: { ...existing?.metadata, description: flags.description ?? existing?.metadata?.description },
    });
    this.log(`${existing ? 'updated' : 'stored'} ${args.name}`);
    return { name: args.name, store: flags.store ?? runtime.defaultSecretStoreName(), updated: existing !== undefined };
  }
}
