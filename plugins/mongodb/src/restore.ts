import { BSON, type Collection, type Document, type MongoClient } from 'mongodb';
import { VyaError, type RestoreRequest, type RestoreResult } from '@vya/plugin-api';
import { readBsonDocuments, RESTORE_DECODING } from './format/bson-documents.js';
import { parseMetadata, unescapeCollectionName, type CollectionMetadata } from './format/metadata.js';
import { ByteReader, TarReader } from './format/tar.js';

/** Documents are inserted in ordered batches of at most this many bytes (and the server's 100 000 documents). */
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCH_DOCUMENTS = 10_000;

interface RestoreCounts {
  collections: number;
  views: number;
  documents: number;
  indexes: number;
}

/**
 * Loads a mongodump-layout tar into `target` through the driver: each collection is created
 * with its options when its metadata arrives, filled in ordered bulk inserts, then indexed;
 * views are created last, once the collections they read exist.
 */
export async function restoreDatabase(connect: () => Promise<MongoClient>, request: RestoreRequest, signal: AbortSignal): Promise<RestoreResult> {
  const target = request.options.database ?? request.unit.name;
  if (request.options.dryRun) return describeArchive(request, target);
  const client = await connect();
  const db = client.db(target);
  const existing = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => !name.startsWith('system.'));
  if (existing.length > 0 && !request.options.clean) {
    throw new VyaError(`database "${target}" already holds ${existing.length} collection(s): ${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', ...' : ''}`, {
      code: 'TARGET_NOT_EMPTY',
      hint: 'add --clean to replace the collections the snapshot contains, or restore under another name with --database',
    });
  }
  const created = existing.length === 0;
  const counts: RestoreCounts = { collections: 0, views: 0, documents: 0, indexes: 0 };
  try {
    await loadArchive(client, target, request, signal, counts);
  } catch (error) {
    // A database this restore brought into being goes again; an existing one says what changed.
    if (created) await db.dropDatabase().catch(() => {});
    const changed = created ? `database "${target}" was removed again` : `${counts.collections} collection(s) of "${target}" were already replaced`;
    throw new VyaError(`restore of ${request.unit.name} into "${target}" failed: ${(error as Error).message}; ${changed}`, { code: 'RESTORE_FAILED', hint: 'the snapshot may be damaged: run vya verify', cause: error });
  }
  const parts = [`${counts.collections} collection(s)`, `${counts.documents} document(s)`, `${counts.indexes} index(es)`, ...(counts.views ? [`${counts.views} view(s)`] : [])];
  return { summary: `restored ${request.unit.name} into database ${target}: ${parts.join(', ')}`, details: { database: target, ...counts } };
}

async function loadArchive(client: MongoClient, target: string, request: RestoreRequest, signal: AbortSignal, counts: RestoreCounts): Promise<void> {
  const db = client.db(target);
  const tar = new TarReader(new ByteReader(request.data));
  const metadata = new Map<string, CollectionMetadata>();
  const views: CollectionMetadata[] = [];
  for (let entry = await tar.next(); entry; entry = await tar.next()) {
    signal.throwIfAborted();
    const file = parseEntryPath(entry.path);
    if (!file) continue;
    if (file.kind === 'metadata') {
      const meta = parseMetadata((await tar.readExact(entry.size)).toString('utf8'));
      const name = meta.collectionName ?? file.collection;
      metadata.set(name, meta);
      if (meta.type === 'view' || meta.options?.viewOn) {
        views.push(meta);
        continue;
      }
      await createCollection(client, target, name, meta, request.options.clean === true);
      counts.collections++;
      continue;
    }
    const bucketsOf = file.collection.startsWith('system.buckets.') ? file.collection.slice('system.buckets.'.length) : undefined;
    const owner = bucketsOf !== undefined && metadata.get(bucketsOf)?.type === 'timeseries' ? bucketsOf : file.collection;
    let meta = metadata.get(owner);
    if (!meta) {
      // A data file without metadata (not written by vya): a plain collection, no options.
      meta = { collectionName: owner, indexes: [] };
      await createCollection(client, target, owner, meta, request.options.clean === true);
      counts.collections++;
    }
    counts.documents += await insertDocuments(db.collection(file.collection), readBsonDocuments(tar, `${request.unit.name}/${entry.path}`), signal);
    counts.indexes += await createIndexes(client, target, owner, meta);
  }
  for (const view of views) {
    await createCollection(client, target, view.collectionName, view, request.options.clean === true);
    counts.views++;
  }
}

function parseEntryPath(path: string): { kind: 'metadata' | 'data'; collection: string } | undefined {
  const base = path.slice(path.indexOf('/') + 1);
  if (base.endsWith('.metadata.json')) return { kind: 'metadata', collection: unescapeCollectionName(base.slice(0, -'.metadata.json'.length)) };
  if (base.endsWith('.bson')) return { kind: 'data', collection: unescapeCollectionName(base.slice(0, -'.bson'.length)) };
  return undefined;
}

async function createCollection(client: MongoClient, target: string, name: string, meta: CollectionMetadata, clean: boolean): Promise<void> {
  const db = client.db(target);
  if (clean) await db.command({ drop: name }).catch((error: { codeName?: string; code?: number }) => {
    if (error.codeName !== 'NamespaceNotFound' && error.code !== 26) throw error;
  });
  await db.command({ create: name, ...createOptions(meta.options ?? {}) });
}

/**
 * The stored options as `create` accepts them. listCollections reports a time-series
 * collection's bucketMaxSpanSeconds (and bucketRoundingSeconds) next to its granularity, which
 * they follow from; newer servers refuse the combination, so only the granularity is given.
 */
export function createOptions(options: Document): Document {
  const timeseries = options.timeseries as Document | undefined;
  if (!timeseries?.granularity) return options;
  const { bucketMaxSpanSeconds: _span, bucketRoundingSeconds: _rounding, ...rest } = timeseries;
  return { ...options, timeseries: rest };
}

async function insertDocuments(collection: Collection, documents: AsyncIterable<Buffer>, signal: AbortSignal): Promise<number> {
  let batch: Document[] = [];
  let bytes = 0;
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    signal.throwIfAborted();
    await collection.insertMany(batch, { ordered: true, bypassDocumentValidation: true, forceServerObjectId: true });
    count += batch.length;
    batch = [];
    bytes = 0;
  };
  for await (const raw of documents) {
    if (bytes + raw.length > BATCH_BYTES || batch.length >= BATCH_DOCUMENTS) await flush();
    batch.push(BSON.deserialize(raw, RESTORE_DECODING));
    bytes += raw.length;
  }
  await flush();
  return count;
}

async function createIndexes(client: MongoClient, target: string, collection: string, meta: CollectionMetadata): Promise<number> {
  const indexes = meta.indexes.filter((index) => index.name !== '_id_').map((index) => {
    const { ns: _ns, ...spec } = index;
    return spec;
  });
  if (indexes.length === 0) return 0;
  await client.db(target).command({ createIndexes: collection, indexes });
  return indexes.length;
}

/** `--dry-run`: what the archive holds, read to its end without touching the server. */
async function describeArchive(request: RestoreRequest, target: string): Promise<RestoreResult> {
  const tar = new TarReader(new ByteReader(request.data));
  const collections: { name: string; type: string; indexes: number; bytes?: number }[] = [];
  for (let entry = await tar.next(); entry; entry = await tar.next()) {
    const file = parseEntryPath(entry.path);
    if (file?.kind === 'metadata') {
      const meta = parseMetadata((await tar.readExact(entry.size)).toString('utf8'));
      collections.push({ name: meta.collectionName ?? file.collection, type: meta.type ?? 'collection', indexes: meta.indexes.length });
    }
  }
  return { summary: `would restore ${collections.length} collection(s) of ${request.unit.name} into database ${target}`, details: { collections } };
}
