import { parseIdentityFile } from '../crypto/age/index.js';
import { readIdentityFile, type DecryptionKeys } from '../pipeline/encryption.js';
import type { Manifest } from '../repository/manifest.js';
import type { Runtime } from '../runtime.js';

/**
 * The keys that may open a snapshot: identity files from --identity, or VYA_AGE_IDENTITY (a
 * path, or the AGE-SECRET-KEY itself), and for passphrase snapshots the passphrase of the
 * job's `encryption.passphrase` reference.
 */
export async function decryptionKeysFor(runtime: Runtime, manifest: Manifest, identityFiles: string[]): Promise<DecryptionKeys> {
  const identities: string[] = [];
  for (const file of identityFiles) identities.push(...(await readIdentityFile(file)));
  const fromEnv = process.env.VYA_AGE_IDENTITY;
  if (identityFiles.length === 0 && fromEnv) {
    identities.push(...(fromEnv.trim().startsWith('AGE-SECRET-KEY-') ? parseIdentityFile(fromEnv) : await readIdentityFile(fromEnv)));
  }
  identities.forEach((identity) => runtime.addSecret(identity));
  let passphrase: string | undefined;
  if (manifest.encryption?.passphrase) {
    const configured = runtime.config.jobs[manifest.job]?.encryption?.passphrase;
    if (configured !== undefined) passphrase = await runtime.resolveSecrets(configured, `jobs.${manifest.job}.encryption.passphrase`);
  }
  return { identities, passphrase };
}
