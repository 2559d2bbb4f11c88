import { defineMongoSuite } from './mongodb-suite.js';
import { FakeMongoServer } from './fake-mongo-server.js';

function fakeTarget(replicaSet: string | undefined) {
  const server = new FakeMongoServer({ replicaSet });
  return {
    uri: async () => {
      await server.start();
      return `${server.uri}?serverSelectionTimeoutMS=5000`;
    },
    skipReason: '',
    pointInTime: replicaSet !== undefined,
    seedBucketsDirectly: true,
    stop: () => server.stop(),
  };
}

defineMongoSuite('mongodb source: end to end through the vya binary and the real driver, against the wire-protocol test double (replica set)', fakeTarget('rs0'));
defineMongoSuite('mongodb source: end to end against the wire-protocol test double (standalone, not point-in-time)', fakeTarget(undefined));

const realUrl = process.env.VYA_TEST_MONGODB_URL;
defineMongoSuite(`mongodb source: end to end against a real MongoDB server (${realUrl ? 'VYA_TEST_MONGODB_URL' : 'pending: set VYA_TEST_MONGODB_URL to run'})`, {
  uri: async () => realUrl,
  skipReason: 'VYA_TEST_MONGODB_URL is not set',
  pointInTime: process.env.VYA_TEST_MONGODB_STANDALONE !== '1',
  seedBucketsDirectly: false,
});
