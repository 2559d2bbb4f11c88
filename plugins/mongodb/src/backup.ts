import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClientSession, Document, MongoClient, Timestamp } from 'mongodb';
import { VyaError, type BackupStream, type UnitMetadata } from '@vya/plugin-api';
import { listDumpedCollections, serverFacts, type ServerFacts } from './discovery.js';
import { buildMetadata, collectionType, dataFileName, escapeCollectionName, serializeMetadata, type CollectionInfo } from './format/metadata.js';
import { TAR_END, tarFileHeader, tarPadding } from './format/tar.js';

export interface BackupOptions {
  /** Read every collection at one cluster time on replica sets and sharded clusters. */
  snapshot: boolean;
  /** Where each collection's documents are spilled before they enter the tar (default: the OS temp dir). */
  tempDir?: string;
  /** Documents per cursor batch (default: the server's). */
  batchSize?: number;
}

interface DumpedCollection {
  name: string;
  type: string;
  documents: number;
  bytes: number;
}

/**
 * One database as a tar in mongodump's directory layout. A tar header needs the entry's size
 * before its bytes, and a collection's size is known only once its cursor is exhausted, so
 * each collection's documents are first spilled to a private temporary file (0600 in a 0700
 * directory, removed as soon as the entry is written): disk use is the largest collection,
 * memory use one cursor batch.
 */
export async function dumpDatabase(client: MongoClient, database: string, options: BackupOptions, signal: AbortSignal): Promise<BackupStream> {
  const facts = await serverFacts(client);
  const collections = await listDumpedCollections(client, database);
  const pointInTime = options.snapshot && facts.topology !== 'standalone';
  const session = pointInTime ? client.startSession({ snapshot: true }) : undefined;
  const dumped: DumpedCollection[] = [];
  let resolveCompleted!: (metadata: UnitMetadata) => void;
  let rejectCompleted!: (error: unknown) => void;
  const completed = new Promise<UnitMetadata>((resolve, reject) => {
    resolveCompleted = resolve;
    rejectCompleted = reject;
  });
  completed.catch(() => {});
  async function* archive(): AsyncGenerator<Buffer> {
    const base = options.tempDir ?? tmpdir();
    await mkdir(base, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(base, 'vya-mongodb-'));
    try {
      await chmod(dir, 0o700);
      const mtime = new Date();
      for (const info of collections) {
        signal.throwIfAborted();
        yield* collectionEntries(client, database, info, { ...options, dir, mtime, session, signal }, dumped);
      }
      yield TAR_END;
      resolveCompleted(describeDump(database, facts, dumped, session));
    } catch (error) {
      rejectCompleted(error);
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
      await session?.endSession().catch(() => {});
    }
  }
  const data = Readable.from(archive(), { objectMode: false });
  data.on('close', () => rejectCompleted(new VyaError(`dump of ${database} stopped before its end`, { code: 'DUMP_INCOMPLETE' })));
  return { data, format: 'tar', completed };
}

interface EntryContext extends BackupOptions {
  dir: string;
  mtime: Date;
  session?: ClientSession;
  signal: AbortSignal;
}

async function* collectionEntries(client: MongoClient, database: string, info: CollectionInfo, context: EntryContext, dumped: DumpedCollection[]): AsyncGenerator<Buffer> {
  const type = collectionType(info);
  const db = client.db(database);
  const indexes = type === 'view' ? [] : ((await db.collection(info.name).listIndexes().toArray()) as Document[]);
  const metadata = serializeMetadata(buildMetadata(info, indexes));
  yield* fileEntry(`${database}/${escapeCollectionName(info.name)}.metadata.json`, metadata, context.mtime);
  if (type === 'view') {
    dumped.push({ name: info.name, type, documents: 0, bytes: 0 });
    return;
  }
  const source = type === 'timeseries' ? `system.buckets.${info.name}` : info.name;
  const spill = join(context.dir, 'collection.bson');
  const documents = await spillCollection(client, database, source, spill, context);
  const { size } = await stat(spill);
  yield tarFileHeader(`${database}/${dataFileName(info.name, type)}.bson`, size, context.mtime);
  for await (const chunk of createReadStream(spill, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
  yield tarPadding(size);
  await rm(spill, { force: true });
  dumped.push({ name: info.name, type, documents, bytes: size });
}

function* fileEntry(path: string, body: Buffer, mtime: Date): Generator<Buffer> {
  yield tarFileHeader(path, body.length, mtime);
  yield body;
  yield tarPadding(body.length);
}

/** Copies a collection's documents as raw BSON (never decoded) into `file`; returns their count. */
async function spillCollection(client: MongoClient, database: string, collection: string, file: string, context: EntryContext): Promise<number> {
  const out = createWriteStream(file, { mode: 0o600 });
  const cursor = client
    .db(database)
    .collection(collection)
    .find({}, { raw: true, session: context.session, ...(context.batchSize ? { batchSize: context.batchSize } : {}) });
  const abort = () => void cursor.close().catch(() => {});
  context.signal.addEventListener('abort', abort, { once: true });
  let count = 0;
  try {
    for await (const document of cursor) {
      if (!(await write(out, document as unknown as Buffer))) throw new Error(`cannot write the temporary file for ${database}.${collection}`);
      count++;
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    return count;
  } catch (error) {
    out.destroy();
    context.signal.throwIfAborted();
    throw error;
  } finally {
    context.signal.removeEventListener('abort', abort);
    await cursor.close().catch(() => {});
  }
}

async function write(out: WriteStream, chunk: Buffer): Promise<boolean> {
  if (out.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onError = () => done(false);
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

function describeDump(database: string, facts: ServerFacts, dumped: DumpedCollection[], session: ClientSession | undefined): UnitMetadata {
  const clusterTime = (session as unknown as { snapshotTime?: Timestamp } | undefined)?.snapshotTime;
  const consistency = session
    ? { point_in_time: true, read_concern: 'snapshot', cluster_time: clusterTime ? { t: clusterTime.t, i: clusterTime.i } : null }
    : { point_in_time: false, note: facts.topology === 'standalone' ? 'standalone server: collections are read one after another, not at one point in time' : 'snapshot reads turned off (snapshot: false)' };
  return {
    server_version: facts.version,
    topology: facts.topology,
    ...(facts.replicaSet ? { replica_set: facts.replicaSet } : {}),
    database,
    layout: 'mongodump directory (<db>/<collection>.bson + .metadata.json)',
    ...consistency,
    collections: dumped,
    documents: dumped.reduce((sum, c) => sum + c.documents, 0),
  };
}
