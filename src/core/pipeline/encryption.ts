import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Transform } from 'node:stream';
import { VyaError } from '@vya/plugin-api';
import { createAgeDecryptStream, createAgeEncryptStream, parseIdentityFile, parseRecipient, recipientOf } from '../crypto/age/index.js';
import type { EncryptionConfig } from '../config/types.js';
import type { ManifestEncryption } from '../repository/manifest.js';
import { expandHome } from '../state-dir.js';

/** A job's encryption with recipients read and the passphrase resolved. */
export interface EncryptionPlan {
  recipients: string[];
  passphrase?: string;
}

export async function planEncryption(config: EncryptionConfig | undefined, configDir: string): Promise<EncryptionPlan | undefined> {
  if (!config) return undefined;
  const recipients = [...(config.recipients ?? [])];
  if (config.recipients_file) recipients.push(...(await readRecipientsFile(resolve(configDir, expandHome(config.recipients_file)))));
  if (config.passphrase !== undefined && recipients.length > 0) {
    throw new VyaError('encryption: use either recipients or a passphrase, not both', {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      hint: 'age cannot combine a passphrase with other recipients',
    });
  }
  if (config.passphrase === undefined && recipients.length === 0) {
    throw new VyaError('encryption: no recipients and no passphrase', { code: 'CONFIG_INVALID', exitCode: 2, hint: 'add recipients: [age1...] or passphrase: "secret:NAME.password"' });
  }
  recipients.forEach((recipient) => parseRecipient(recipient));
  return { recipients, passphrase: config.passphrase };
}

export function createEncryptStream(plan: EncryptionPlan): Transform {
  return plan.passphrase !== undefined ? createAgeEncryptStream({ passphrase: plan.passphrase }) : createAgeEncryptStream({ recipients: plan.recipients });
}

export function describeEncryption(plan: EncryptionPlan | undefined): ManifestEncryption | null {
  if (!plan) return null;
  return { type: 'age', recipients: plan.recipients, passphrase: plan.passphrase !== undefined };
}

/** What can open an encrypted snapshot: identities from --identity / VYA_AGE_IDENTITY, or a passphrase. */
export interface DecryptionKeys {
  identities: string[];
  passphrase?: string;
}

export function createDecryptStream(encryption: ManifestEncryption, keys: DecryptionKeys, what: string): Transform {
  if (encryption.passphrase) {
    if (keys.passphrase === undefined) {
      throw new VyaError(`${what} is encrypted with a passphrase, and none is configured`, {
        code: 'NO_DECRYPTION_KEY',
        exitCode: 2,
        hint: "keep the job's `encryption.passphrase` secret reference in the config so restore can resolve it",
      });
    }
    return createAgeDecryptStream({ passphrase: keys.passphrase });
  }
  if (keys.identities.length === 0) {
    throw new VyaError(`${what} is encrypted to ${encryption.recipients.length} age recipient(s) and no identity was given`, {
      code: 'NO_DECRYPTION_KEY',
      exitCode: 2,
      hint: 'pass --identity FILE (an age identity file) or set VYA_AGE_IDENTITY',
    });
  }
  // The manifest names the recipients: a wrong key fails here, before a restore touches its target.
  if (encryption.recipients.length > 0 && !keys.identities.some((identity) => encryption.recipients.includes(recipientOf(identity)))) {
    throw new VyaError(`age: no identity given matches a recipient of ${what} (${encryption.recipients.join(', ')})`, {
      code: 'NO_DECRYPTION_KEY',
      exitCode: 2,
      hint: 'pass the identity file (--identity) whose public key is one of those recipients',
    });
  }
  return createAgeDecryptStream({ identities: keys.identities });
}

export async function readIdentityFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(expandHome(path), 'utf8');
  } catch (error) {
    throw new VyaError(`cannot read identity file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      code: 'IDENTITY_UNREADABLE',
      exitCode: 2,
      hint: 'pass an age identity file created by `age-keygen` or `vya init`',
    });
  }
  try {
    return parseIdentityFile(text);
  } catch (error) {
    // Bad input, nothing attempted (docs/commands.md); the message names the line, never its text.
    const hint = error instanceof VyaError ? error.hint : undefined;
    throw new VyaError(`${(error as Error).message} (${path})`, { code: 'AGE_BAD_IDENTITY', exitCode: 2, hint, cause: error });
  }
}

export async function readRecipientsFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VyaError(`cannot read recipients file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      code: 'CONFIG_INVALID',
      exitCode: 2,
      hint: 'recipients_file lists age1... recipients, one per line',
    });
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}
