import { VyaError } from '@vya/plugin-api';
import { parseRecipient, recipientOf } from '../crypto/age/index.js';
import type { Manifest, ManifestEncryption } from '../repository/manifest.js';

export type KeyAction = 'add' | 'remove';

export interface KeyChange {
  action: KeyAction;
  /** The recipient added or removed, normalized (lower case, trimmed). */
  recipient: string;
  /** `keys add` on a passphrase snapshot: replace the passphrase by the recipient. */
  replacePassphrase: boolean;
  /** Keep recipients a manifest lists that the job's config does not. */
  keepUnlisted: boolean;
}

/** What happens to one snapshot: a new recipient set, or nothing and why. */
export type SnapshotDecision = { change: ManifestEncryption } | { unchanged: string } | { refused: string };

/** A recipient as typed: checked, and written the way manifests hold it. */
export function normalizeRecipient(text: string): string {
  try {
    parseRecipient(text);
  } catch (error) {
    const { message, code, hint } = error as VyaError;
    throw new VyaError(`--recipient: ${message}`, { code, hint, exitCode: 2 });
  }
  return text.trim().toLowerCase();
}

/**
 * The new recipients of one snapshot, from its manifest. Every recipient the rewrap writes
 * must be vouched for by the operator: the one being added, or one the job's config lists
 * (`trusted`). Manifests are not authenticated, so without that rule someone who planted a
 * recipient in a manifest would be handed the file key by the next rotation.
 */
export function decide(manifest: Manifest, change: KeyChange, trusted: string[]): SnapshotDecision {
  const encryption = manifest.encryption;
  if (!encryption) return { unchanged: 'not encrypted (a rewrap changes who can open an encrypted snapshot; it does not encrypt one)' };
  const next = change.action === 'add' ? added(encryption, change) : removed(encryption, change);
  if (!('change' in next)) return next;
  const unvouched = next.change.recipients.filter((r) => r !== change.recipient && !trusted.includes(r));
  if (unvouched.length > 0 && !change.keepUnlisted) {
    return {
      refused: `its manifest lists recipient(s) ${unvouched.join(', ')} that job "${manifest.job}"'s config does not: a rewrap would give them the file key (manifests are not authenticated); add them to the config, remove them first with \`vya keys remove\`, or pass --keep-unlisted if you know them`,
    };
  }
  return next;
}

function added(encryption: ManifestEncryption, change: KeyChange): SnapshotDecision {
  if (encryption.passphrase) {
    if (!change.replacePassphrase) return { refused: 'passphrase-encrypted: age cannot combine a passphrase with recipients, so adding one replaces the passphrase (pass --replace-passphrase to do that)' };
    return { change: { type: 'age', recipients: [change.recipient], passphrase: false } };
  }
  if (encryption.recipients.includes(change.recipient)) return { unchanged: `already encrypted to ${change.recipient}` };
  return { change: { type: 'age', recipients: [...encryption.recipients, change.recipient], passphrase: false } };
}

function removed(encryption: ManifestEncryption, change: KeyChange): SnapshotDecision {
  if (encryption.passphrase) return { unchanged: 'passphrase-encrypted, not to a recipient' };
  if (!encryption.recipients.includes(change.recipient)) return { unchanged: `not encrypted to ${change.recipient}` };
  const rest = encryption.recipients.filter((r) => r !== change.recipient);
  if (rest.length === 0) return { refused: `${change.recipient} is its only recipient: without it nothing could open the snapshot (add another recipient first)` };
  return { change: { type: 'age', recipients: rest, passphrase: false } };
}

/** Why the keys at hand cannot open the snapshot's file key, or undefined when they can. */
export function missingKey(manifest: Manifest, identities: string[], passphrase: string | undefined): string | undefined {
  const encryption = manifest.encryption;
  if (!encryption) return undefined;
  if (encryption.passphrase) return passphrase === undefined ? `passphrase-encrypted, and job "${manifest.job}" has no encryption.passphrase in the config to open it` : undefined;
  const ours = identities.map((identity) => recipientOf(identity));
  if (encryption.recipients.some((recipient) => ours.includes(recipient))) return undefined;
  return `no identity given opens it (encrypted to ${encryption.recipients.join(', ')})`;
}
