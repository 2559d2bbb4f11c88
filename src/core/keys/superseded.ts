import { DATA_ROOT, dataPrefix, encodeUnit, snapshotSlot } from '../repository/keys.js';
import type { Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import { isSupersededObject } from './rewrapped-key.js';

/**
 * Data objects in the slot of a snapshot (`data/<job>/<unit>/<id>.…`) other than the one its
 * manifest names: the new object of a rewrap that died before its manifest switch, or the old
 * one of a rewrap that died before deleting it. Only slots of the manifests given count; a
 * slot whose manifest could not be read is left alone.
 */
export async function findSuperseded(repository: Repository, job: string, manifests: Manifest[]): Promise<string[]> {
  const bySlot = new Map(manifests.filter((m) => m.job === job).map((m) => [`${encodeUnit(m.unit.name)}/${m.id}`, m]));
  if (bySlot.size === 0) return [];
  const superseded: string[] = [];
  for await (const info of repository.sink.list(dataPrefix(job))) {
    const manifest = bySlot.get(snapshotSlot(info.key, DATA_ROOT, job) ?? '');
    if (manifest && isSupersededObject(info.key, manifest)) superseded.push(info.key);
  }
  return superseded.sort();
}
