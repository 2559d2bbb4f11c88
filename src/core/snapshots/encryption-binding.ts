import { VyaError } from '@vya/plugin-api';
import type { Manifest } from '../repository/manifest.js';
import type { Runtime } from '../runtime.js';

/**
 * Why a snapshot is weaker than its job says it must be, or undefined when it is not: a job
 * configured with `encryption` never produces an unencrypted snapshot, so one in its place was
 * planted or written by a misconfigured host (a downgrade). A job no longer configured cannot
 * be compared and is not refused.
 */
export function encryptionDowngrade(runtime: Runtime, manifest: Manifest): string | undefined {
  const configured = runtime.config.jobs[manifest.job]?.encryption;
  if (!configured || manifest.encryption !== null) return undefined;
  const wanted = configured.passphrase !== undefined && !configured.recipients?.length && !configured.recipients_file ? 'an age passphrase' : 'age';
  return `snapshot ${manifest.id} is not encrypted, but job "${manifest.job}" is configured for ${wanted}`;
}

/** Refuses a downgraded snapshot unless `--allow-unencrypted` was given (restore and verify). */
export function assertEncryptionAsConfigured(runtime: Runtime, manifest: Manifest, allowUnencrypted: boolean): void {
  const downgrade = encryptionDowngrade(runtime, manifest);
  if (!downgrade) return;
  if (allowUnencrypted) {
    runtime.logger.warn(`${downgrade}; used anyway (--allow-unencrypted)`);
    return;
  }
  throw new VyaError(`refusing ${downgrade}`, {
    code: 'ENCRYPTION_DOWNGRADE',
    hint: 'a manifest may have been planted in the repository; if you know this snapshot was made without encryption, pass --allow-unencrypted',
  });
}
