import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { serialize, type Document } from 'bson';
import { MongoClient, type Db } from 'mongodb';

/** Documents with any _id, as the tests write them. */
type AnyDocument = { _id?: number | string; [key: string]: unknown };
const collectionOf = (db: Db, name: string) => db.collection<AnyDocument>(name);
import { parseJson, runVya, tempDir } from '../../../test/support/cli.js';
import { everyTypeDocuments } from './bson-samples.js';

/** Where the suite runs: the test double, or a real server given by VYA_TEST_MONGODB_URL. */
export interface SuiteTarget {
  /** Connection string; undefined when the target is not available (the suite is then pending). */
  uri(): Promise<string | undefined>;
  /** Why the suite is pending when uri() gives nothing. */
  skipReason: string;
  /** Whether dumps should be point-in-time (a replica set or sharded cluster). */
  pointInTime: boolean;
  /** The fake cannot turn measurements into buckets: seed the buckets collection directly. */
  seedBucketsDirectly: boolean;
  stop?(): Promise<void>;
}

const ORDERS = 2500;

async function seed(client: MongoClient, database: string, target: SuiteTarget): Promise<void> {
  const db = client.db(database);
  await db.command({ create: 'orders' });
  await collectionOf(db, 'orders').insertMany(
    Array.from({ length: ORDERS }, (_, i) => ({ _id: i, customer: `c${i % 97}`, total: i * 1.25, note: 'n'.repeat(i % 300) })),
    { forceServerObjectId: true },
  );
  await db.command({ createIndexes: 'orders', indexes: [{ key: { customer: 1, total: -1 }, name: 'customer_1_total_-1' }, { key: { note: 1 }, name: 'note_1', sparse: true }] });
  await db.command({ create: 'types' });
  await collectionOf(db, 'types').insertMany(everyTypeDocuments(), { forceServerObjectId: true });
  await db.command({ create: 'log', capped: true, size: 65536, max: 100 });
  await collectionOf(db, 'log').insertMany([{ _id: 1, line: 'first' }, { _id: 2, line: 'second' }]);
  await db.command({ create: 'people', validator: { $jsonSchema: { required: ['name'] } }, validationLevel: 'moderate', collation: { locale: 'fr', strength: 2 } });
  await collectionOf(db, 'people').insertMany([{ _id: 1, name: 'Zoë' }]);
  await db.command({ create: 'empty' });
  await db.command({ create: 'metrics', timeseries: { timeField: 'at', metaField: 'sensor', granularity: 'minutes' } });
  if (target.seedBucketsDirectly) await collectionOf(db, 'system.buckets.metrics').insertMany([{ _id: 1, control: { version: 1, min: { at: new Date(0) }, max: { at: new Date(60_000) } }, meta: 's1', data: { at: { 0: new Date(0) }, v: { 0: 1.5 } } }]);
  else await collectionOf(db, 'metrics').insertMany([{ at: new Date(0), sensor: 's1', v: 1.5 }, { at: new Date(60_000), sensor: 's1', v: 2.5 }]);
  await db.command({ create: 'big_orders', viewOn: 'orders', pipeline: [{ $match: { total: { $gt: 1000 } } }] });
}

/** Every collection's options, indexes and raw documents (sorted hex), as the driver sees them. */
async function fingerprint(client: MongoClient, database: string): Promise<Document> {
  const db = client.db(database);
  const infos = (await db.listCollections().toArray()).filter((c) => !c.name.startsWith('system.') || c.name.startsWith('system.buckets.')).sort((a, b) => a.name.localeCompare(b.name));
  const result: Document = {};
  for (const info of infos) {
    const entry: Document = { type: info.type, options: JSON.stringify((info as Document).options ?? {}) };
    if (info.type !== 'view') {
      const docs = (await db.collection(info.name).find({}, { raw: true }).toArray()) as unknown as Buffer[];
      entry.documents = docs.map((d) => Buffer.from(d).toString('hex')).sort();
      if (!info.name.startsWith('system.buckets.')) entry.indexes = (await db.collection(info.name).listIndexes().toArray()).map((i) => JSON.stringify({ ...i, ns: undefined })).sort();
    }
    result[info.name] = entry;
  }
  return result;
}

interface ManifestFacts {
  point_in_time: boolean;
  cluster_time?: { t: number; i: number } | null;
  topology: string;
  server_version: string;
  documents: number;
  collections: { name: string; type: string; documents: number }[];
}

export function defineMongoSuite(title: string, target: SuiteTarget): void {
  describe(title, function () {
    this.timeout(180_000);
    const suffix = randomBytes(4).toString('hex');
    const db = `vya_mg_${suffix}`;
    const restored = `${db}_restored`;
    let uri: string | undefined;
    let client: MongoClient;
    let dir: { path: string; cleanup: () => Promise<void> };
    let config: string;
    const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_MONGO_URI: uri });

    before(async function () {
      uri = await target.uri();
      if (!uri) {
        this.skip();
        return;
      }
      client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
      await client.connect();
      await seed(client, db, target);
      dir = await tempDir('vya-e2e-mongodb-');
      config = join(dir.path, 'vya.yml');
      await writeFile(
        config,
        `secrets: { store: env, env: { type: env } }
sources:
  mongo: { type: mongodb, uri: "secret:mongo.uri", include: ["${db}"], batch_size: 300 }
  unreachable: { type: mongodb, host: 127.0.0.1, port: 1, server_selection_timeout_ms: 1000 }
  missing: { type: mongodb, uri: "secret:mongo.uri", include: [vya_no_such_${suffix}] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  mongo: { source: mongo, sink: repo, compression: { algorithm: zstd } }
  unreachable: { source: unreachable, sink: repo }
  missing: { source: missing, sink: repo }
`,
      );
    });

    after(async () => {
      if (!uri) return;
      for (const name of [db, restored]) await client.db(name).dropDatabase().catch(() => {});
      await client.close();
      await dir.cleanup();
      await target.stop?.();
    });

    it('check reports the server version, topology and read access to every collection', async () => {
      const result = await runVya(['check', '--config', config, '--json'], { env: env() });
      const checks = parseJson<{ checks: { name: string; ok: boolean; detail: string }[] }>(result).checks;
      expect(checks.find((c) => c.name === 'source mongo: server')?.detail).to.match(target.pointInTime ? /^MongoDB \d+\.\d+\.\S+ \((replica set \S+|sharded)\) at / : /^MongoDB \d+\.\d+\.\S+ \(standalone\) at /);
      expect(checks.find((c) => c.name === 'source mongo: read access')).to.deep.include({ ok: true, detail: 'can read all 6 collection(s) of 1 database(s)' });
      expect(checks.find((c) => c.name === 'source unreachable: server')?.detail).to.equal('cannot reach MongoDB at 127.0.0.1:1: connection refused');
      expect(result.stdout + result.stderr).to.not.include(uri);
    });

    it('backs up the database as one tar, recording topology, consistency and counts', async () => {
      const result = await runVya(['backup', 'mongo', '--config', config], { env: env() });
      expect(result.code, result.stderr).to.equal(0);
      const manifest = execFileSync('find', [join(dir.path, 'repo', 'snapshots', 'mongo', db), '-name', '*.json'], { encoding: 'utf8' }).trim();
      const facts = (JSON.parse(readFileSync(manifest, 'utf8')) as { source_metadata: ManifestFacts }).source_metadata;
      expect(facts.point_in_time).to.equal(target.pointInTime);
      if (target.pointInTime) expect(facts.cluster_time?.t).to.be.a('number').greaterThan(0);
      expect(facts.collections.map((c) => `${c.name}:${c.type}`)).to.deep.equal(['big_orders:view', 'empty:collection', 'log:collection', 'metrics:timeseries', 'orders:collection', 'people:collection', 'types:collection']);
      expect(facts.collections.find((c) => c.name === 'orders')?.documents).to.equal(ORDERS);
      expect(result.stdout + result.stderr).to.not.include(uri);
    });

    it('verify reads the snapshot back', async () => {
      const result = await runVya(['verify', `mongo/${db}@latest`, '--config', config], { env: env() });
      expect(result.code, result.stderr + result.stdout).to.equal(0);
    });

    it('tar -x of the snapshot gives the directory mongorestore --dir loads', async () => {
      const object = execFileSync('find', [join(dir.path, 'repo', 'data', 'mongo', db), '-name', '*.tar.zst'], { encoding: 'utf8' }).trim();
      const out = join(dir.path, 'dump');
      execFileSync('mkdir', ['-p', out]);
      execFileSync('sh', ['-c', 'zstd -dc "$1" | tar -x -C "$2"', 'sh', object, out]);
      const files = execFileSync('ls', [join(out, db)], { encoding: 'utf8' }).trim().split('\n').sort();
      expect(files).to.deep.equal(
        ['big_orders.metadata.json', 'empty.bson', 'empty.metadata.json', 'log.bson', 'log.metadata.json', 'metrics.metadata.json', 'orders.bson', 'orders.metadata.json', 'people.bson', 'people.metadata.json', 'system.buckets.metrics.bson', 'types.bson', 'types.metadata.json'].sort(),
      );
      const types = readFileSync(join(out, db, 'types.bson'));
      const expected = (await collectionOf(client.db(db), 'types').find({}, { raw: true }).toArray()) as unknown as Buffer[];
      expect(types.equals(Buffer.concat(expected.map((d) => Buffer.from(d))))).to.equal(true);
      const people = JSON.parse(readFileSync(join(out, db, 'people.metadata.json'), 'utf8')) as Document;
      expect(people).to.include({ collectionName: 'people', type: 'collection' });
      expect(people.options.collation.locale).to.equal('fr');
      expect(people.uuid).to.match(/^[0-9a-f]{32}$/);
      expect(Buffer.from(serialize(people)).length).to.be.greaterThan(0);
    });

    it('restores into another database: every document byte for byte, options, indexes, view, time series', async () => {
      const result = await runVya(['restore', `mongo/${db}@latest`, '--to', 'mongo', '--database', restored, '--config', config], { env: env() });
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.include(`into database ${restored}`);
      const [before, after] = [await fingerprint(client, db), await fingerprint(client, restored)];
      for (const name of Object.keys(before)) {
        const { options: _o, ...rest } = before[name] as Document;
        expect(after[name], name).to.deep.include(rest);
        const options = JSON.parse((before[name] as Document).options as string) as Document;
        expect(JSON.parse((after[name] as Document).options as string), name).to.deep.include(options.viewOn ? { viewOn: options.viewOn } : {});
      }
      expect(Object.keys(after).sort()).to.deep.equal(Object.keys(before).sort());
      expect(JSON.parse((after.people as Document).options as string)).to.deep.include({ collation: JSON.parse((before.people as Document).options as string).collation });
    });

    it('refuses to restore into a database that holds collections without --clean, touching nothing', async () => {
      await collectionOf(client.db(restored), 'orders').deleteMany({ _id: { $lt: 10 } }).catch(async () => {
        // the test double has no delete: mark the target by adding a document instead
        await collectionOf(client.db(restored), 'orders').insertOne({ _id: 'marker' });
      });
      const marked = await fingerprint(client, restored);
      const result = await runVya(['restore', `mongo/${db}@latest`, '--to', 'mongo', '--database', restored, '--config', config], { env: env() });
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.match(new RegExp(`database "${restored}" already holds 7 collection\\(s\\)`));
      expect(result.stderr).to.include('--clean');
      expect(await fingerprint(client, restored)).to.deep.equal(marked);
    });

    it('--clean replaces the existing collections', async () => {
      const result = await runVya(['restore', `mongo/${db}@latest`, '--to', 'mongo', '--database', restored, '--clean', '--config', config], { env: env() });
      expect(result.code, result.stderr).to.equal(0);
      expect(await fingerprint(client, restored)).to.deep.equal(await fingerprint(client, db));
    });

    it('an include that names no database is an error that lists the existing ones', async () => {
      const result = await runVya(['backup', 'missing', '--config', config], { env: env() });
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.include(`database in include not found on the server: vya_no_such_${suffix}`);
    });
  });
}
