import { describeSinkEndToEnd } from '../../../test/support/sink-e2e.js';
import { FakeGcsServer } from './fake-gcs-server.js';

const server = new FakeGcsServer(['backups']);

describeSinkEndToEnd({
  title: 'GCS (local JSON API server)',
  start: () => server.start(),
  stop: () => server.stop(),
  sinks: () => `  store: { type: gcs, bucket: backups, prefix: vya/, project_id: test, api_endpoint: ${server.endpoint}, chunk_size_mb: 1 }
  nobucket: { type: gcs, bucket: no-such-bucket, project_id: test, api_endpoint: ${server.endpoint}, max_retries: 0 }`,
  storedNames: () => server.objectNames('backups'),
});
