import type { MongoClient } from 'mongodb';
import { errorMessage, type BackupStream, type BackupUnit, type CheckItem, type RestoreRequest, type RestoreResult, type Source } from '@vya/plugin-api';
import { dumpDatabase, type BackupOptions } from './backup.js';
import { createClient, describeMongoError, describeServer, type MongoConnection } from './connection.js';
import { checkReadable, discoverDatabases, serverFacts, type DiscoveryOptions } from './discovery.js';
import { restoreDatabase } from './restore.js';

export interface MongoSourceConfig extends DiscoveryOptions, BackupOptions {
  connection: MongoConnection;
}

/** A MongoDB deployment: each database is a unit, dumped through the driver as a mongodump-layout tar. */
export class MongoSource implements Source {
  private clientPromise: Promise<MongoClient> | undefined;

  constructor(private readonly config: MongoSourceConfig) {}

  async check(): Promise<CheckItem[]> {
    const items: CheckItem[] = [];
    const { where } = describeServer(this.config.connection);
    try {
      const client = await this.client();
      const facts = await serverFacts(client);
      const topology = facts.replicaSet ? `replica set ${facts.replicaSet}` : facts.topology;
      items.push({ name: 'server', ok: true, detail: `MongoDB ${facts.version} (${topology}) at ${where.replace(/^MongoDB at /, '')}` });
      items.push(
        facts.topology === 'standalone'
          ? { name: 'consistency', ok: true, detail: 'standalone server: each collection is read on its own, dumps are not point-in-time' }
          : { name: 'consistency', ok: true, detail: this.config.snapshot ? 'snapshot reads: each database is read at one cluster time' : 'snapshot reads turned off (snapshot: false)' },
      );
      const units = await discoverDatabases(client, this.config);
      const readable = await checkReadable(client, units.map((u) => u.name));
      items.push(
        readable.unreadable.length === 0
          ? { name: 'read access', ok: true, detail: `can read all ${readable.collections} collection(s) of ${units.length} database(s)` }
          : { name: 'read access', ok: false, detail: `cannot read ${readable.unreadable.length} collection(s): ${readable.unreadable.slice(0, 3).join('; ')}`, hint: 'grant the backup role, or find on every database to be backed up; see docs/mongodb.md' },
      );
    } catch (error) {
      const described = describeMongoError(error, this.config.connection);
      items.push({ name: 'server', ok: false, detail: errorMessage(described), hint: (described as { hint?: string }).hint });
    }
    return items;
  }

  async discover(): Promise<BackupUnit[]> {
    return this.withErrors(async () => discoverDatabases(await this.client(), this.config));
  }

  async backup(unit: BackupUnit, signal: AbortSignal): Promise<BackupStream> {
    return this.withErrors(async () => {
      const stream = await dumpDatabase(await this.client(), unit.name, this.config, signal);
      const completed = stream.completed.catch((error: unknown) => Promise.reject(describeMongoError(error, this.config.connection)));
      completed.catch(() => {});
      return { ...stream, completed };
    });
  }

  async restore(request: RestoreRequest, signal: AbortSignal): Promise<RestoreResult> {
    return this.withErrors(() => restoreDatabase(() => this.client(), request, signal));
  }

  async close(): Promise<void> {
    const pending = this.clientPromise;
    this.clientPromise = undefined;
    if (pending) await (await pending.catch(() => undefined))?.close().catch(() => {});
  }

  private client(): Promise<MongoClient> {
    this.clientPromise ??= (async () => {
      const client = createClient(this.config.connection);
      await client.connect();
      return client;
    })();
    this.clientPromise.catch(() => (this.clientPromise = undefined));
    return this.clientPromise;
  }

  private async withErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw describeMongoError(error, this.config.connection);
    }
  }
}
