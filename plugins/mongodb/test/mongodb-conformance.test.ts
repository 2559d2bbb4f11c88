import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { runSourceSuite, testPluginContext } from '@vya/testing';
import { mongodbSourceDefinition } from '../src/register.js';
import { FakeMongoServer } from './fake-mongo-server.js';

const context = testPluginContext('mongo', '/tmp');

// The source conformance suite against the wire-protocol test double (fake-mongo-server.ts),
// driven by the real MongoDB driver. It is not MongoDB: this shows the plugin keeps the
// Source contract, not that it works against a real server (mongodb.e2e.test.ts does that
// when VYA_TEST_MONGODB_URL names one).
describe('mongodb against the fake wire-protocol server (not real MongoDB)', () => {
  const server = new FakeMongoServer({ replicaSet: 'rs0' });
  const database = 'suites_shop';
  let client: MongoClient;
  let restores = 0;

  before(async () => {
    await server.start();
    client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    await client.db(database).collection<{ _id: number; name: string }>('items').insertMany([{ _id: 1, name: 'first' }, { _id: 2, name: 'zweite ü' }]);
  });
  after(async () => {
    await client.close();
    await server.stop();
  });

  runSourceSuite({
    name: 'mongodb (fake server)',
    checkOk: true,
    create: async () => mongodbSourceDefinition.create({ uri: server.uri, include: [database], server_selection_timeout_ms: 5000 }, context),
    restore: {
      async options(unit) {
        return { database: `${unit.name}_r${restores++}` };
      },
      async verify(_unit, options) {
        const items = await client.db(options.database!).collection('items').find({}).toArray();
        expect(items.map((item) => `${item._id}:${item.name}`).sort()).to.deep.equal(['1:first', '2:zweite ü']);
      },
    },
  });
});
