import type { Runtime } from '../runtime.js';
import { listSnapshotsEverywhere, type SinkManifestProblem } from '../snapshots/find-snapshots.js';
import { configuredKeys } from './config-advice.js';

/** Who can open one snapshot, from its manifest. */
export interface SnapshotKeys {
  id: string;
  job: string;
  unit: string;
  sink: string;
  time: string;
  encrypted: boolean;
  passphrase: boolean;
  recipients: string[];
}

/** One recipient across the snapshots listed, and the jobs whose config lists it now. */
export interface RecipientUse {
  recipient: string;
  snapshots: number;
  jobs: string[];
  configured_in: string[];
}

export interface KeysListing {
  snapshots: SnapshotKeys[];
  recipients: RecipientUse[];
  passphrase_snapshots: number;
  unencrypted_snapshots: number;
  problems: SinkManifestProblem[];
  failed_sinks: { sink: string; error: string }[];
}

/** `vya keys list`: the recipients (or passphrase) of every snapshot, as the manifests record them. */
export async function listKeys(runtime: Runtime, query: { job?: string; sink?: string }): Promise<KeysListing> {
  const listing = await listSnapshotsEverywhere(runtime, query);
  const snapshots = listing.snapshots.map(({ manifest, repository }) => ({
    id: manifest.id,
    job: manifest.job,
    unit: manifest.unit.name,
    sink: repository.sinkName,
    time: manifest.started_at,
    encrypted: manifest.encryption !== null,
    passphrase: manifest.encryption?.passphrase ?? false,
    recipients: manifest.encryption?.recipients ?? [],
  }));
  return {
    snapshots,
    recipients: await recipientUses(runtime, snapshots),
    passphrase_snapshots: snapshots.filter((s) => s.passphrase).length,
    unencrypted_snapshots: snapshots.filter((s) => !s.encrypted).length,
    problems: listing.problems,
    failed_sinks: listing.failures,
  };
}

async function recipientUses(runtime: Runtime, snapshots: SnapshotKeys[]): Promise<RecipientUse[]> {
  const uses = new Map<string, RecipientUse>();
  for (const snapshot of snapshots) {
    for (const recipient of snapshot.recipients) {
      const use = uses.get(recipient) ?? { recipient, snapshots: 0, jobs: [], configured_in: [] };
      use.snapshots++;
      if (!use.jobs.includes(snapshot.job)) use.jobs.push(snapshot.job);
      uses.set(recipient, use);
    }
  }
  for (const job of Object.keys(runtime.config.jobs)) {
    for (const recipient of (await configuredKeys(runtime, job))?.recipients ?? []) {
      const use = uses.get(recipient) ?? { recipient, snapshots: 0, jobs: [], configured_in: [] };
      use.configured_in.push(job);
      uses.set(recipient, use);
    }
  }
  return [...uses.values()].sort((a, b) => b.snapshots - a.snapshots || a.recipient.localeCompare(b.recipient));
}
