import { randomBytes } from 'node:crypto';
import { dataPrefix } from '../repository/keys.js';
import { objectKeys, type Manifest } from '../repository/manifest.js';

const REWRAP_MARK = /^rewrap-[0-9a-f]{8}\./;

/**
 * A fresh key for one of a snapshot's rewrapped objects (`current`: its data object or its
 * listing object), in the snapshot's own slot (so the manifest binding still holds) and with
 * the same reading suffix: `data/<job>/<unit>/<id>.rewrap-<8 hex>.<format>.<compression>.age`,
 * `data/<job>/<unit>/<id>.rewrap-<8 hex>.listing.jsonl.<compression>.age`. A new key, never
 * the old one, so the old object stays whole until the manifest points at the new one.
 */
export function rewrappedObjectKey(manifest: Manifest, current: string): string {
  const slot = `${dataPrefix(manifest.job, manifest.unit.name)}${manifest.id}.`;
  const suffix = current.slice(slot.length).replace(REWRAP_MARK, '');
  return `${slot}rewrap-${randomBytes(4).toString('hex')}.${suffix}`;
}

/** The new key of a snapshot's rewrapped data object. */
export function rewrappedDataKey(manifest: Manifest): string {
  return rewrappedObjectKey(manifest, manifest.data_key);
}

/**
 * Objects in a snapshot's slot that are none of its own (data, listing): left over by an
 * interrupted rewrap.
 */
export function isSupersededObject(key: string, manifest: Manifest): boolean {
  return key.startsWith(`${dataPrefix(manifest.job, manifest.unit.name)}${manifest.id}.`) && !objectKeys(manifest).includes(key);
}
