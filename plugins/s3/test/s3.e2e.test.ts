import { describeSinkEndToEnd } from '../../../test/support/sink-e2e.js';
import { S3rverProcess } from '../../../test/support/s3rver.js';

const server = new S3rverProcess();

describeSinkEndToEnd({
  title: 'S3 (s3rver)',
  start: () => server.start(['backups']),
  stop: () => server.stop(),
  env: { VYA_SECRET_MINIO_USERNAME: 'S3RVER', VYA_SECRET_MINIO_PASSWORD: 'S3RVER' },
  sinks: () => `  store:
    type: s3
    bucket: backups
    prefix: vya/
    endpoint: ${server.endpoint}
    force_path_style: true
    access_key_id: "secret:minio.username"
    secret_access_key: "secret:minio.password"
    part_size_mb: 5
  nobucket: { type: s3, bucket: no-such-bucket, endpoint: ${server.endpoint}, force_path_style: true, access_key_id: "secret:minio.username", secret_access_key: "secret:minio.password" }`,
});
