import { EJSON, type Document } from 'bson';

export type CollectionType = 'collection' | 'view' | 'timeseries';

/** What listCollections says about one collection. */
export interface CollectionInfo {
  name: string;
  type?: string;
  options?: Document;
  info?: { uuid?: { toString(encoding: 'hex'): string } | unknown; readOnly?: boolean };
}

/** `<collection>.metadata.json` in the shape mongodump writes (and mongorestore reads). */
export interface CollectionMetadata {
  options?: Document;
  indexes: Document[];
  uuid?: string;
  collectionName: string;
  type?: CollectionType;
}

export function collectionType(info: CollectionInfo): CollectionType {
  return info.type === 'view' || info.type === 'timeseries' ? info.type : 'collection';
}

export function buildMetadata(info: CollectionInfo, indexes: Document[]): CollectionMetadata {
  const options = info.options && Object.keys(info.options).length > 0 ? info.options : undefined;
  const uuid = uuidHex(info.info?.uuid);
  // mongodump's key order: options, indexes, uuid, collectionName, type.
  return { ...(options ? { options } : {}), indexes, ...(uuid ? { uuid } : {}), collectionName: info.name, type: collectionType(info) };
}

/** Canonical extended JSON, as mongodump writes it, so every BSON type survives. */
export function serializeMetadata(metadata: CollectionMetadata): Buffer {
  return Buffer.from(EJSON.stringify(metadata, { relaxed: false }), 'utf8');
}

export function parseMetadata(text: string): CollectionMetadata {
  const parsed = EJSON.parse(text, { relaxed: false }) as CollectionMetadata;
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.indexes)) throw new Error('not a mongodump metadata document (no indexes array)');
  return parsed;
}

function uuidHex(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const binary = value as { buffer?: Uint8Array; sub_type?: number };
  if (!(binary.buffer instanceof Uint8Array)) return undefined;
  return Buffer.from(binary.buffer).toString('hex');
}

/**
 * The file name (without extension) mongodump gives a collection: `%` and `/` escaped, as
 * mongorestore unescapes them. The metadata's collectionName stays authoritative.
 */
export function escapeCollectionName(name: string): string {
  return name.replace(/%/g, '%25').replace(/\//g, '%2F');
}

export function unescapeCollectionName(name: string): string {
  return name.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

/** The data file of a collection: time-series collections are dumped from their buckets collection. */
export function dataFileName(name: string, type: CollectionType): string {
  return escapeCollectionName(type === 'timeseries' ? `system.buckets.${name}` : name);
}

/** Collections a dump skips, as mongodump does: `system.*` except `system.js` (views and buckets come through their own entries). */
export function isSkippedSystemCollection(name: string): boolean {
  return name.startsWith('system.') && name !== 'system.js';
}
