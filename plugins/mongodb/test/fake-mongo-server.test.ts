import { expect } from 'chai';
import { Long, Timestamp, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { FakeMongoServer } from './fake-mongo-server.js';

/**
 * The test double's replies against the shapes MongoDB's command reference documents for
 * hello, buildInfo, listDatabases, listCollections, listIndexes, find and getMore, so the
 * end-to-end suite exercises the driver on realistic replies.
 */
describe('fake MongoDB server (test double): replies in the documented shapes', function () {
  this.timeout(30_000);
  const server = new FakeMongoServer({ replicaSet: 'rs0' });
  let client: MongoClient;

  before(async () => {
    await server.start();
    client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    await client.connect();
    await client.db('shop').command({ create: 'orders', capped: true, size: 4096 });
    await client.db('shop').collection<{ _id: number }>('orders').insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i })));
  });

  after(async () => {
    await client.close();
    await server.stop();
  });

  it('hello: a writable primary of a replica set, with the limits and wire versions', async () => {
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello).to.include({ isWritablePrimary: true, setName: 'rs0', maxBsonObjectSize: 16 * 1024 * 1024, maxMessageSizeBytes: 48_000_000, maxWriteBatchSize: 100_000, logicalSessionTimeoutMinutes: 30, ok: 1 });
    expect(hello.localTime).to.be.instanceOf(Date);
    expect(hello.hosts).to.deep.equal([hello.me]);
    expect(hello.maxWireVersion).to.be.at.least(13);
    expect(hello.operationTime).to.be.instanceOf(Timestamp);
  });

  it('buildInfo and listDatabases', async () => {
    expect((await client.db('admin').command({ buildInfo: 1 })).version).to.match(/^\d+\.\d+\.\d+/);
    const list = await client.db('admin').command({ listDatabases: 1 });
    expect(list.databases[0]).to.have.keys('name', 'sizeOnDisk', 'empty');
    expect(list).to.have.property('totalSize');
  });

  it('listCollections: name, type, options, info.readOnly and info.uuid, idIndex', async () => {
    const reply = await client.db('shop').command({ listCollections: 1 });
    expect(reply.cursor).to.include({ ns: 'shop.$cmd.listCollections' });
    const info = reply.cursor.firstBatch[0] as Document;
    expect(info).to.include({ name: 'orders', type: 'collection' });
    expect(info.options).to.deep.equal({ capped: true, size: 4096 });
    expect(info.info.readOnly).to.equal(false);
    expect(info.info.uuid.sub_type).to.equal(4);
    expect(info.idIndex).to.deep.equal({ v: 2, key: { _id: 1 }, name: '_id_' });
  });

  it('find and getMore: cursor.firstBatch / nextBatch, a Long cursor id, ns, atClusterTime for snapshot reads', async () => {
    const first = await client.db('shop').command({ find: 'orders', batchSize: 2, readConcern: { level: 'snapshot' } }, { promoteLongs: false });
    expect(first.cursor.firstBatch).to.have.length(2);
    expect(first.cursor.id).to.be.instanceOf(Long);
    expect(first.cursor.ns).to.equal('shop.orders');
    expect(first.cursor.atClusterTime).to.be.instanceOf(Timestamp);
    const more = await client.db('shop').command({ getMore: first.cursor.id, collection: 'orders', batchSize: 10 }, { promoteLongs: false });
    expect(more.cursor.nextBatch.map((d: Document) => d._id)).to.deep.equal([2, 3, 4]);
    expect(more.cursor.id.toString()).to.equal('0');
  });

  it('errors carry ok: 0, errmsg, code and codeName', async () => {
    const error = await client.db('shop').command({ listIndexes: 'nope' }).catch((e: Document) => e);
    expect(error).to.include({ code: 26, codeName: 'NamespaceNotFound' });
  });
});
