import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MARIADB, MARIADB_DATABASE, PG, PG_DATABASE } from './datasets.js';
import type { BenchContext } from './scenarios.js';

/** A job's compression and encryption to the bench's identity. */
const sealed = (c: BenchContext, compression: string) => `compression: ${compression}, encryption: { recipients: [${c.recipient}] }`;
const sealedZstd = (c: BenchContext) => sealed(c, '{ algorithm: zstd, level: 3 }');
const tinySource = (c: BenchContext) => `  tiny: { type: files, paths: [${c.tinyRoot}] }`;

/** The vya.yml every scenario runs with: one job per case, all encrypted to the bench's identity. */
export async function writeVyaConfig(c: BenchContext, options: { smallDbPattern: string; s3Endpoint?: string }): Promise<void> {
  const zstd = sealedZstd(c);
  const s3 = options.s3Endpoint ? `  s3: { type: s3, bucket: vya-bench, region: us-east-1, endpoint: "${options.s3Endpoint}", force_path_style: true }\n` : '';
  const s3Jobs = options.s3Endpoint ? `  pg-s3: { source: pg, sink: s3, ${zstd} }\n  my-s3: { source: my, sink: s3, ${zstd} }\n` : '';
  await writeFile(
    c.config,
    `sources:
  pg: { type: postgres, host: ${PG.host}, port: ${PG.port}, username: ${PG.user}, include: [${PG_DATABASE}] }
  my: { type: mysql, host: ${MARIADB.host}, port: ${MARIADB.port}, username: ${MARIADB.user}, include: [${MARIADB_DATABASE}] }
  small: { type: postgres, host: ${PG.host}, port: ${PG.port}, username: ${PG.user}, include: ["${options.smallDbPattern}"] }
  files: { type: files, paths: [${c.filesRoot}] }
  big: { type: files, paths: [${c.bigRoot}] }
${tinySource(c)}
sinks:
  repo: { type: local, path: ${join(c.root, 'repo')} }
${s3}jobs:
  pg: { source: pg, sink: repo, ${zstd} }
  pg-gzip: { source: pg, sink: repo, ${sealed(c, '{ algorithm: gzip, level: 6 }')} }
  pg-none: { source: pg, sink: repo, ${sealed(c, '{ algorithm: none }')} }
  my: { source: my, sink: repo, ${zstd} }
  files: { source: files, sink: repo, ${zstd} }
  big: { source: big, sink: repo, ${zstd} }
  tiny: { source: tiny, sink: repo, ${zstd} }
  small1: { source: small, sink: repo, concurrency: 1, ${zstd} }
  small4: { source: small, sink: repo, concurrency: 4, ${zstd} }
${s3Jobs}`,
  );
}

/** The one-file job alone, for the start-up rows: vya and issue 16's tree each get one, with a repository of their own. */
export async function writeStartupConfig(path: string, c: BenchContext, repository: string): Promise<void> {
  await writeFile(
    path,
    `sources:
${tinySource(c)}
sinks:
  repo: { type: local, path: ${repository} }
jobs:
  tiny: { source: tiny, sink: repo, ${sealedZstd(c)} }
`,
  );
}
