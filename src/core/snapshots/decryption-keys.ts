import { parseIdentityFile } from '../crypto/age/index.js';
import { readIdentityFile, type DecryptionKeys } from '../pipeline/encryption.js';
import type { Manifest } from '../repository/manifest.js';
import type { Runtime } from '../runtime.js';
import { VyaError } from '@vya/plugin-api';

/**
 * The keys that may open a snapshot: identities from --identity, or VYA_AGE_IDENTITY, each a
 * path or an identity file's contents (`"$(cat key.txt)"`), and for passphrase snapshots the
 * passphrase of the job's `encryption.passphrase` reference.
 */
export async function decryptionKeysFor(runtime: Runtime, manifest: Manifest, identityFiles: string[]): Promise<DecryptionKeys> {
  const identities: string[] = [];
  for (const value of identityFiles) identities.push(...(await identitiesFrom(runtime, value, '--identity')));
  const fromEnv = process.env.VYA_AGE_IDENTITY;
  if (identityFiles.length === 0 && fromEnv) identities.push(...(await identitiesFrom(runtime, fromEnv, 'VYA_AGE_IDENTITY')));
  let passphrase: string | undefined;
  if (manifest.encryption?.passphrase) {
    const configured = runtime.config.jobs[manifest.job]?.encryption?.passphrase;
    if (configured !== undefined) passphrase = await runtime.resolveSecrets(configured, `jobs.${manifest.job}.encryption.passphrase`);
  }
  return { identities, passphrase };
}

/**
 * A value holding a secret key (or a line break) is an identity file's contents; anything
 * else is a path. Contents are registered as secrets before they are parsed, and no message
 * ever quotes them; a path may be named.
 */
export function isIdentityContents(value: string): boolean {
  return /AGE-SECRET-KEY-1/i.test(value) || /[\r\n]/.test(value);
}

async function identitiesFrom(runtime: Runtime, value: string, source: string): Promise<string[]> {
  if (!isIdentityContents(value)) return registered(runtime, await readIdentityFile(value));
  runtime.addSecret(value);
  for (const line of value.split(/\r?\n/)) if (!line.trim().startsWith('#')) runtime.addSecret(line.trim());
  try {
    return registered(runtime, parseIdentityFile(value));
  } catch (error) {
    throw new VyaError(`the age identity given in ${source} is not valid: ${(error as Error).message}`, {
      code: 'AGE_BAD_IDENTITY',
      hint: `${source} takes a path to an identity file, or its contents (AGE-SECRET-KEY-1... lines and # comments)`,
    });
  }
}

function registered(runtime: Runtime, identities: string[]): string[] {
  for (const identity of identities) {
    runtime.addSecret(identity);
    runtime.addSecret(identity.toLowerCase());
  }
  return identities;
}
