import { parseSecretReference } from '../config/secret-refs.js';
import { parseIdentityFile } from '../crypto/age/index.js';
import { readIdentityFile, type DecryptionKeys } from '../pipeline/encryption.js';
import type { Manifest } from '../repository/manifest.js';
import type { Runtime } from '../runtime.js';
import { VyaError } from '@vya/plugin-api';

/**
 * The keys that may open a snapshot: identities from --identity (a path or a `secret:`
 * reference, never the key itself) or VYA_AGE_IDENTITY (a path or an identity file's
 * contents), and for passphrase snapshots the passphrase of the job's `encryption.passphrase`.
 */
export async function decryptionKeysFor(runtime: Runtime, manifest: Manifest, identityFlags: string[]): Promise<DecryptionKeys> {
  refuseIdentityContents(runtime, identityFlags);
  const identities: string[] = [];
  for (const value of identityFlags) identities.push(...(await identitiesFromFlag(runtime, value)));
  const fromEnv = process.env.VYA_AGE_IDENTITY;
  if (identityFlags.length === 0 && fromEnv) identities.push(...(await identitiesFromEnvironment(runtime, fromEnv)));
  let passphrase: string | undefined;
  if (manifest.encryption?.passphrase) {
    const configured = runtime.config.jobs[manifest.job]?.encryption?.passphrase;
    if (configured !== undefined) passphrase = await runtime.resolveSecrets(configured, `jobs.${manifest.job}.encryption.passphrase`);
  }
  return { identities, passphrase };
}

/**
 * Refuses an identity given as the key itself on the command line (argv is visible to every
 * user of the host and kept in shell history); the key is registered as a secret first, so no
 * message can quote it.
 */
export function refuseIdentityContents(runtime: Runtime, identityFlags: string[]): void {
  const contents = identityFlags.find(isIdentityContents);
  if (contents === undefined) return;
  runtime.addSecret(contents);
  throw new VyaError('--identity takes a path to an identity file or a secret: reference, not the key itself', {
    code: 'USAGE',
    exitCode: 2,
    hint: 'a key on the command line is visible in the process list and shell history: pass --identity FILE, --identity secret:NAME.FIELD, or set VYA_AGE_IDENTITY',
  });
}

/** The identities an --identity value names: a file, or a `secret:` reference to its contents. */
export async function identitiesFromFlag(runtime: Runtime, value: string): Promise<string[]> {
  if (!parseSecretReference(value)) return registered(runtime, await readIdentityFile(value));
  return parsedContents(runtime, await runtime.resolveSecrets(value, '--identity'), `--identity ${value}`);
}

/** The identities in VYA_AGE_IDENTITY: a file's path or its contents. */
export async function identitiesFromEnvironment(runtime: Runtime, value: string): Promise<string[]> {
  if (!isIdentityContents(value)) return registered(runtime, await readIdentityFile(value));
  return parsedContents(runtime, value, 'VYA_AGE_IDENTITY', 'VYA_AGE_IDENTITY takes a path to an identity file, or its contents (AGE-SECRET-KEY-1... lines and # comments)');
}

/** A value holding a secret key (or a line break) is an identity file's contents; anything else is a path. */
export function isIdentityContents(value: string): boolean {
  return /AGE-SECRET-KEY-1/i.test(value) || /[\r\n]/.test(value);
}

const IDENTITY_HINT = 'an identity is an AGE-SECRET-KEY-1... line, as written by age-keygen';

/** An identity file's contents: registered as secrets before they are parsed, never quoted. */
export function parsedContents(runtime: Runtime, contents: string, source: string, hint = IDENTITY_HINT): string[] {
  runtime.addSecret(contents);
  for (const line of contents.split(/\r?\n/)) if (line.trim() && !line.trim().startsWith('#')) runtime.addSecret(line.trim());
  try {
    return registered(runtime, parseIdentityFile(contents));
  } catch (error) {
    throw new VyaError(`the age identity given in ${source} is not valid: ${(error as Error).message}`, { code: 'AGE_BAD_IDENTITY', exitCode: 2, hint });
  }
}

function registered(runtime: Runtime, identities: string[]): string[] {
  for (const identity of identities) {
    runtime.addSecret(identity);
    runtime.addSecret(identity.toLowerCase());
  }
  return identities;
}
