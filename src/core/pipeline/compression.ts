import { availableParallelism } from 'node:os';
import { PassThrough, type Transform } from 'node:stream';
import { constants as zlibConstants, createGunzip, createGzip } from 'node:zlib';
import { CompressStream } from 'zstd-napi';
import { VyaError } from '@vya/plugin-api';
import type { CompressionAlgorithm, CompressionConfig } from '../config/types.js';

// zstd -3 -T2 on 400 MB of the bench's dump: 8 MiB jobs (level 3's default) 54 MiB of RSS,
// 4 MiB 31 MiB, 2 MiB 18 MiB, with the same CPU and output 0.1% smaller (docs/performance.md).
const ZSTD_JOB_BYTES = 2 * 1024 * 1024;

export const DEFAULT_COMPRESSION: CompressionConfig = { algorithm: 'zstd', level: 3 };

const EXTENSIONS: Record<CompressionAlgorithm, string> = { zstd: 'zst', gzip: 'gz', none: '' };

export function compressionExtension(algorithm: CompressionAlgorithm): string {
  return EXTENSIONS[algorithm];
}

/**
 * zstd compresses with zstd-napi, in zstd's own threads (as fast as the CLI with `-T2`).
 * Node's own zlib zstd (Node >= 22.15) was measured against it (bench/zstd-compare.ts, 512 MiB
 * of dump-like data, file -> zstd -3 -> age -> sha256, 6 alternating rounds, medians, on the
 * project's loaded 2-core machine; docs/performance.md): zstd-napi 60.2 s wall / 8.6 s CPU,
 * zlib 106.0 s / 11.0 s; without age 30.3 s / 5.9 s against 19.5 s / 6.6 s. zlib compresses on
 * one thread only: its ZSTD_c_nbWorkers breaks the stream (nodejs/node#59899, Node 22.23 and
 * 24.21). Decompression: ZstdPlainStream (zstd-napi's streaming decoder, docs/performance.md).
 */
export function createCompressStream(config: CompressionConfig = DEFAULT_COMPRESSION): Transform {
  switch (config.algorithm) {
    case 'zstd':
      return new CompressStream({
        compressionLevel: config.level ?? 3,
        nbWorkers: Math.max(2, Math.min(availableParallelism(), 8)),
        checksumFlag: true,
        // zstd's default job for level 3 is 8 MiB in and out per worker: 4 MiB halves the
        // memory (54 -> 30 MiB for the CLI with -T2) at the same CPU and ratio (docs/performance.md).
        jobSize: ZSTD_JOB_BYTES,
      });
    case 'gzip':
      return createGzip({ level: clamp(config.level ?? 6, 1, 9), chunkSize: 64 * 1024 });
    case 'none':
      return new PassThrough();
    default:
      throw new VyaError(`unknown compression "${String(config.algorithm)}"`, { hint: 'use zstd, gzip or none' });
  }
}

/** gzip or none; zstd is read by ZstdPlainStream, which also counts and can reuse its buffers. */
export function createDecompressStream(algorithm: Exclude<CompressionAlgorithm, 'zstd'>): Transform {
  switch (algorithm) {
    case 'gzip':
      return createGunzip({ chunkSize: 64 * 1024, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    case 'none':
      return new PassThrough();
    default:
      throw new VyaError(`snapshot uses unknown compression "${String(algorithm)}"`, { hint: 'upgrade vya' });
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
