import type { Document, MongoClient } from 'mongodb';
import { parseNameList, selectNames, type BackupUnit, unknownDatabasesError } from '@vya/plugin-api';
import { collectionType, isSkippedSystemCollection, type CollectionInfo } from './format/metadata.js';

/** Never backed up unless an include names them literally: the server's own databases. */
export const SYSTEM_DATABASES = ['admin', 'local', 'config'];

export interface DiscoveryOptions {
  include?: string[];
  exclude?: string[];
  dbIgnore?: string | string[];
}

export async function discoverDatabases(client: MongoClient, options: DiscoveryOptions): Promise<BackupUnit[]> {
  const listed = await client.db('admin').admin().listDatabases({ nameOnly: true });
  const names = listed.databases.map((db) => db.name).sort();
  const literal = new Set(options.include ?? []);
  const ignored = new Set([...parseNameList(options.dbIgnore), ...SYSTEM_DATABASES.filter((name) => !literal.has(name))]);
  const { selected, missing } = selectNames(
    names.filter((name) => !ignored.has(name)),
    { include: options.include, exclude: options.exclude },
  );
  if (missing.length > 0) throw unknownDatabasesError(missing, names);
  return selected.map((name) => ({ name, kind: 'database' }));
}

export type Topology = 'standalone' | 'replica set' | 'sharded';

export interface ServerFacts {
  version: string;
  topology: Topology;
  replicaSet?: string;
}

export async function serverFacts(client: MongoClient): Promise<ServerFacts> {
  const admin = client.db('admin');
  const [hello, build] = await Promise.all([admin.command({ hello: 1 }), admin.command({ buildInfo: 1 })]);
  const topology: Topology = hello.msg === 'isdbgrid' ? 'sharded' : hello.setName ? 'replica set' : 'standalone';
  return { version: String(build.version), topology, ...(hello.setName ? { replicaSet: String(hello.setName) } : {}) };
}

/** The collections a dump copies, views and time-series included, in name order. */
export async function listDumpedCollections(client: MongoClient, database: string): Promise<CollectionInfo[]> {
  const infos = (await client.db(database).listCollections({}, { nameOnly: false }).toArray()) as Document[] as CollectionInfo[];
  return infos.filter((info) => !isSkippedSystemCollection(info.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads one document (only its _id) from every collection of the selected databases, so a
 * missing privilege shows in `vya check` rather than in the middle of a backup.
 */
export async function checkReadable(client: MongoClient, databases: string[]): Promise<{ collections: number; unreadable: string[] }> {
  let collections = 0;
  const unreadable: string[] = [];
  for (const database of databases) {
    let infos: CollectionInfo[];
    try {
      infos = await listDumpedCollections(client, database);
    } catch (error) {
      unreadable.push(`${database} (listCollections: ${(error as Error).message})`);
      continue;
    }
    for (const info of infos) {
      const type = collectionType(info);
      if (type === 'view') continue;
      const name = type === 'timeseries' ? `system.buckets.${info.name}` : info.name;
      try {
        await client.db(database).collection(name).find({}, { limit: 1, projection: { _id: 1 } }).toArray();
        collections++;
      } catch (error) {
        unreadable.push(`${database}.${name} (${(error as Error).message})`);
      }
    }
  }
  return { collections, unreadable };
}
