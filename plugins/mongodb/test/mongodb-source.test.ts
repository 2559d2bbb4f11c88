import { readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { serialize } from 'bson';
import { MongoClient } from 'mongodb';
import { readAll } from '@vya/testing';
import { MongoSource, type MongoSourceConfig } from '../src/mongodb-source.js';
import { createOptions } from '../src/restore.js';
import { tempDir } from '../../../test/support/cli.js';
import { FakeMongoServer } from './fake-mongo-server.js';

function sourceFor(server: FakeMongoServer, extra: Partial<MongoSourceConfig> = {}): MongoSource {
  return new MongoSource({ connection: { uri: server.uri, host: '', port: 0, serverSelectionTimeoutMS: 3000 }, snapshot: true, ...extra });
}

/** The MongoDB source on its own (real driver, test double): failure paths the binary suite does not reach. */
describe('mongodb source: failure paths against the test double', function () {
  this.timeout(60_000);
  const server = new FakeMongoServer({ replicaSet: 'rs0' });
  let client: MongoClient;
  let archive: Buffer;

  before(async () => {
    await server.start();
    client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    await client.db('shop').collection<{ _id: number }>('orders').insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: i, pad: 'p'.repeat(200) })));
    await client.db('shop').command({ createIndexes: 'orders', indexes: [{ key: { pad: 1 }, name: 'pad_1' }] });
    const source = sourceFor(server);
    const stream = await source.backup({ name: 'shop', kind: 'database' }, new AbortController().signal);
    archive = await readAll(stream.data);
    await stream.completed;
    await source.close();
  });

  after(async () => {
    await client.close();
    await server.stop();
  });

  it('a restore that fails part-way drops the database it created, and says so', async () => {
    const source = sourceFor(server);
    const truncated = archive.subarray(0, Math.floor(archive.length / 2));
    const error = await source.restore({ unit: { name: 'shop', kind: 'database' }, data: Readable.from([truncated]), metadata: {}, options: { database: 'shop_broken' } }, new AbortController().signal).then(() => undefined, (e: Error & { code?: string }) => e);
    await source.close();
    expect(error?.message).to.match(/restore of shop into "shop_broken" failed: .*truncated.*; database "shop_broken" was removed again/);
    expect(error?.code).to.equal('RESTORE_FAILED');
    expect(server.databases.has('shop_broken')).to.equal(false);
  });

  it('--dry-run lists the collections without touching the server', async () => {
    const source = sourceFor(server);
    const before = server.commands.length;
    const result = await source.restore({ unit: { name: 'shop', kind: 'database' }, data: Readable.from([archive]), metadata: {}, options: { database: 'shop_dry', dryRun: true } }, new AbortController().signal);
    await source.close();
    expect(result.summary).to.equal('would restore 1 collection(s) of shop into database shop_dry');
    expect(result.details?.collections).to.deep.equal([{ name: 'orders', type: 'collection', indexes: 2 }]);
    expect(server.commands.slice(before).map((c) => Object.keys(c)[0]).filter((n) => n !== 'hello' && n !== 'ismaster' && n !== 'isMaster')).to.deep.equal([]);
  });

  it('check names a collection the user cannot read', async () => {
    const locked = new FakeMongoServer({ unauthorized: ['find'] });
    await locked.start();
    try {
      const seed = new MongoClient(locked.uri, { serverSelectionTimeoutMS: 3000 });
      await seed.db('app').collection('secret_things').insertOne({ a: 1 });
      await seed.close();
      const source = sourceFor(locked);
      const items = await source.check();
      await source.close();
      const access = items.find((i) => i.name === 'read access');
      expect(access?.ok).to.equal(false);
      expect(access?.detail).to.match(/^cannot read 1 collection\(s\): app\.secret_things \(not authorized on app/);
    } finally {
      await locked.stop();
    }
  });

  it('an aborted backup stops with an error and leaves no spill directory', async () => {
    const spill = await tempDir('vya-mongodb-spill-');
    const source = sourceFor(server, { batchSize: 10, tempDir: spill.path });
    const controller = new AbortController();
    const stream = await source.backup({ name: 'shop', kind: 'database' }, controller.signal);
    controller.abort();
    const failure = await readAll(stream.data).then(() => undefined, (e: Error) => e);
    const completed = await stream.completed.then(() => undefined, (e: Error) => e);
    await source.close();
    expect(failure ?? completed).to.be.instanceOf(Error);
    expect(completed).to.be.instanceOf(Error);
    expect(await readdir(spill.path)).to.deep.equal([]);
    await spill.cleanup();
  });

  it('time-series options reach create with the granularity only, custom bucketing as it was', () => {
    expect(createOptions({ timeseries: { timeField: 'at', metaField: 'm', granularity: 'minutes', bucketMaxSpanSeconds: 86400 }, expireAfterSeconds: 60 })).to.deep.equal({ timeseries: { timeField: 'at', metaField: 'm', granularity: 'minutes' }, expireAfterSeconds: 60 });
    const custom = { timeseries: { timeField: 'at', bucketMaxSpanSeconds: 600, bucketRoundingSeconds: 600 } };
    expect(createOptions(custom)).to.deep.equal(custom);
    expect(createOptions({ capped: true, size: 4096 })).to.deep.equal({ capped: true, size: 4096 });
  });

  it('documents are written to the tar exactly as the server returned them', async () => {
    const raw = server.collection('shop', 'orders')?.documents ?? [];
    const joined = Buffer.concat(raw);
    expect(archive.indexOf(joined)).to.be.greaterThan(0);
    expect(archive.indexOf(Buffer.from(serialize({ _id: 0, pad: 'p'.repeat(200) })))).to.be.greaterThan(0);
  });
});
