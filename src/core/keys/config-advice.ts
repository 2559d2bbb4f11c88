import { resolve } from 'node:path';
import { readRecipientsFile } from '../pipeline/encryption.js';
import type { Runtime } from '../runtime.js';
import { expandHome } from '../state-dir.js';
import type { KeyChange } from './plan-change.js';

/** A job's encryption as its config states it, recipients normalized. */
export interface ConfiguredKeys {
  recipients: string[];
  /** The recipients that come from `recipients_file`, and its path. */
  fromFile: string[];
  file?: string;
  passphrase: boolean;
}

export async function configuredKeys(runtime: Runtime, job: string): Promise<ConfiguredKeys | undefined> {
  const encryption = runtime.config.jobs[job]?.encryption;
  if (!encryption) return undefined;
  const file = encryption.recipients_file ? resolve(runtime.configDir, expandHome(encryption.recipients_file)) : undefined;
  const fromFile = file ? (await readRecipientsFile(file)).map(normalized) : [];
  return { recipients: [...(encryption.recipients ?? []).map(normalized), ...fromFile], fromFile, file, passphrase: encryption.passphrase !== undefined };
}

function normalized(recipient: string): string {
  return recipient.trim().toLowerCase();
}

/**
 * What to change in the config after a rotation, one line per job: the command never edits
 * the config (comments, layout, a recipients file elsewhere), it says what new backups need.
 */
export async function configAdvice(runtime: Runtime, jobs: string[], change: KeyChange): Promise<string[]> {
  const advice: string[] = [];
  for (const job of jobs) {
    if (!runtime.config.jobs[job]) continue;
    const keys = await configuredKeys(runtime, job);
    advice.push(change.action === 'add' ? adviceForAdd(job, keys, change.recipient) : adviceForRemove(job, keys, change.recipient));
  }
  return advice;
}

function adviceForAdd(job: string, keys: ConfiguredKeys | undefined, recipient: string): string {
  if (!keys) return `jobs.${job}: not encrypted in the config; add encryption: { recipients: [${recipient}] } so that new snapshots are encrypted to it`;
  if (keys.recipients.includes(recipient)) return `jobs.${job}: the config already lists ${recipient}; nothing to change`;
  if (keys.passphrase) return `jobs.${job}.encryption: new snapshots still use the passphrase; replace \`passphrase: ...\` with \`recipients: [${recipient}]\` to encrypt them to it`;
  return `jobs.${job}.encryption.recipients: add ${recipient}, or new snapshots are not encrypted to it`;
}

function adviceForRemove(job: string, keys: ConfiguredKeys | undefined, recipient: string): string {
  if (!keys || !keys.recipients.includes(recipient)) return `jobs.${job}: the config does not list ${recipient}; nothing to change`;
  const where = keys.fromFile.includes(recipient) ? `${keys.file} (jobs.${job}.encryption.recipients_file)` : `jobs.${job}.encryption.recipients`;
  const last = keys.recipients.filter((r) => r !== recipient).length === 0 ? ', and list another recipient: a job needs one' : '';
  return `${where}: remove ${recipient}${last}; until then new snapshots are still encrypted to it`;
}
