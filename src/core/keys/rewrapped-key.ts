import { randomBytes } from 'node:crypto';
import { dataPrefix } from '../repository/keys.js';
import type { Manifest } from '../repository/manifest.js';

const REWRAP_MARK = /^rewrap-[0-9a-f]{8}\./;

/**
 * A fresh key for a snapshot's rewrapped data object, in the snapshot's own slot (so the
 * manifest binding still holds) and with the same reading suffix:
 * `data/<job>/<unit>/<id>.rewrap-<8 hex>.<format>.<compression>.age`. A new key, never the
 * old one, so the old object stays whole until the manifest points at the new one.
 */
export function rewrappedDataKey(manifest: Manifest): string {
  const slot = `${dataPrefix(manifest.job, manifest.unit.name)}${manifest.id}.`;
  const suffix = manifest.data_key.slice(slot.length).replace(REWRAP_MARK, '');
  return `${slot}rewrap-${randomBytes(4).toString('hex')}.${suffix}`;
}

/** Objects in a snapshot's slot that are not its data object: left over by an interrupted rewrap. */
export function isSupersededObject(key: string, manifest: Manifest): boolean {
  return key.startsWith(`${dataPrefix(manifest.job, manifest.unit.name)}${manifest.id}.`) && key !== manifest.data_key;
}
