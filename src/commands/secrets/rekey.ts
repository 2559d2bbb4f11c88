import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { VyaError } from '@vya/plugin-api';
import { VyaCommand } from '../../base-command.js';
import { promptHidden } from '../../core/secrets/secret-input.js';

export default class SecretsRekey extends VyaCommand {
  static override summary = 'Re-encrypt the vault file under a new key or passphrase.';
  static override description =
    'A vault opened with a key file gets a new random key in that file; one opened with a passphrase (passphrase_env) gets the new passphrase, asked on the terminal (twice, not echoed) or read from --new-passphrase-file or --new-passphrase-env, never from the command line; one keyed by VYA_VAULT_KEY gets a new random key written to --new-key-file. The vault is replaced atomically under its lock: killed at any point, it still opens (with the old key or the new one). The old key no longer opens the vault afterwards, but old copies of the vault (host backups) still open with old copies of the key.';
  static override examples = [
    '<%= config.bin %> secrets rekey',
    '<%= config.bin %> secrets rekey --new-passphrase-file /run/secrets/new-vault-passphrase',
    'VYA_VAULT_KEY=... <%= config.bin %> secrets rekey --new-key-file ./vault.key.new',
  ];
  static override flags = {
    store: Flags.string({ summary: 'A secret store named in the config.' }),
    'new-passphrase-file': Flags.string({ summary: 'Read the new passphrase from this file (one trailing newline is dropped).', exclusive: ['new-passphrase-env'] }),
    'new-passphrase-env': Flags.string({ summary: 'Read the new passphrase from this environment variable.', exclusive: ['new-passphrase-file'] }),
    'new-key-file': Flags.string({ summary: 'For a vault keyed by VYA_VAULT_KEY: write the new random key to this file (0600; an existing file is used as the new key).' }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(SecretsRekey);
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const name = flags.store ?? runtime.defaultSecretStoreName();
    const store = await runtime.secretStore(flags.store);
    if (!store.rekey) throw new VyaError(`secret store "${name}" cannot be rekeyed by vya`, { code: 'NOT_APPLICABLE', exitCode: 2, hint: 'rotate its key with the store\'s own tools' });
    const newPassphrase = await passphraseFromFlags(flags['new-passphrase-file'], flags['new-passphrase-env']);
    if (newPassphrase !== undefined) runtime.addSecret(newPassphrase);
    const askNewPassphrase = process.stdin.isTTY
      ? async () => {
          const typed = await askTwice();
          runtime.addSecret(typed);
          return typed;
        }
      : undefined;
    const result = await store.rekey({ newPassphrase, newKeyFile: flags['new-key-file'], askNewPassphrase });
    for (const [key, value] of Object.entries(result)) if (value !== undefined) this.log(`${key}: ${String(value)}`);
    return { store: name, ...result };
  }
}

async function passphraseFromFlags(file: string | undefined, variable: string | undefined): Promise<string | undefined> {
  if (file !== undefined) {
    try {
      return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw new VyaError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { code: 'USAGE', exitCode: 2, hint: '--new-passphrase-file names a file holding the new passphrase' });
    }
  }
  if (variable === undefined) return undefined;
  const value = process.env[variable];
  if (!value) throw new VyaError(`the environment variable ${variable} is empty or not set`, { code: 'USAGE', exitCode: 2, hint: `export ${variable}=... before running the command` });
  return value;
}

async function askTwice(): Promise<string> {
  const first = await promptHidden('new vault passphrase: ');
  const second = await promptHidden('the same again: ');
  if (first !== second) throw new VyaError('the two passphrases differ', { code: 'USAGE', exitCode: 2, hint: 'nothing was changed; run the command again' });
  return first;
}
