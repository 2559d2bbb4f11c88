import { VyaError } from '@vya/plugin-api';
import type { Runtime } from '../runtime.js';
import { promptHidden } from '../secrets/secret-input.js';
import { identitiesFromEnvironment, identitiesFromFlag, parsedContents, refuseIdentityContents } from '../snapshots/decryption-keys.js';

/**
 * The keys an operator hands to `vya keys add/remove` to open the snapshots' file keys.
 * Identities come from files, `secret:` references, VYA_AGE_IDENTITY or a hidden prompt;
 * never from the command line as values (argv is visible to every user of the host).
 */
export class OperatorKeys {
  private identities: string[] | undefined;
  private readonly passphrases = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly runtime: Runtime,
    private readonly identityFlags: string[],
  ) {
    refuseIdentityContents(runtime, identityFlags);
  }

  /** The identities given, read once; a terminal is asked when none was given. */
  async identitiesNeeded(): Promise<string[]> {
    this.identities ??= await this.readIdentities();
    return this.identities;
  }

  /** The identities given so far without asking anyone (empty when none). */
  async identitiesGiven(): Promise<string[]> {
    if (this.identities) return this.identities;
    if (this.identityFlags.length === 0 && !process.env.VYA_AGE_IDENTITY) return [];
    return this.identitiesNeeded();
  }

  /** The job's configured `encryption.passphrase`, resolved; undefined when the job has none. */
  passphraseOf(job: string): Promise<string | undefined> {
    let pending = this.passphrases.get(job);
    if (!pending) {
      const configured = this.runtime.config.jobs[job]?.encryption?.passphrase;
      pending = configured === undefined ? Promise.resolve(undefined) : this.runtime.resolveSecrets(configured, `jobs.${job}.encryption.passphrase`);
      this.passphrases.set(job, pending);
    }
    return pending;
  }

  private async readIdentities(): Promise<string[]> {
    const identities: string[] = [];
    for (const value of this.identityFlags) identities.push(...(await identitiesFromFlag(this.runtime, value)));
    const fromEnv = process.env.VYA_AGE_IDENTITY;
    if (this.identityFlags.length === 0 && fromEnv) identities.push(...(await identitiesFromEnvironment(this.runtime, fromEnv)));
    if (identities.length === 0 && process.stdin.isTTY) {
      const typed = await promptHidden('age identity to open the snapshots (AGE-SECRET-KEY-1..., not echoed): ');
      identities.push(...parsedContents(this.runtime, typed, 'the prompt'));
    }
    if (identities.length === 0) {
      throw new VyaError('no age identity given to open the snapshots', {
        code: 'NO_DECRYPTION_KEY',
        exitCode: 2,
        hint: 'pass --identity FILE (or secret:NAME.FIELD), set VYA_AGE_IDENTITY, or run on a terminal to be asked',
      });
    }
    return identities;
  }
}
