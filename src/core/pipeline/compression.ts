import { availableParallelism } from 'node:os';
import { PassThrough, type Transform } from 'node:stream';
import { constants as zlibConstants, createGunzip, createGzip, createZstdDecompress } from 'node:zlib';
import { CompressStream } from 'zstd-napi';
import { VyaError } from '../../plugin-api/index.js';
import type { CompressionAlgorithm, CompressionConfig } from '../config/types.js';

export const DEFAULT_COMPRESSION: CompressionConfig = { algorithm: 'zstd', level: 3 };

const EXTENSIONS: Record<CompressionAlgorithm, string> = { zstd: 'zst', gzip: 'gz', none: '' };

export function compressionExtension(algorithm: CompressionAlgorithm): string {
  return EXTENSIONS[algorithm];
}

/**
 * zstd compresses in zstd's own threads (as fast as the CLI with `-T2`). Moving the stream to
 * a worker thread as well was measured: no faster on two cores, where the work is CPU-bound,
 * and the copies to the worker cost more than they free.
 */
export function createCompressStream(config: CompressionConfig = DEFAULT_COMPRESSION): Transform {
  switch (config.algorithm) {
    case 'zstd':
      return new CompressStream({
        compressionLevel: config.level ?? 3,
        nbWorkers: Math.max(2, Math.min(availableParallelism(), 8)),
        checksumFlag: true,
      });
    case 'gzip':
      return createGzip({ level: clamp(config.level ?? 6, 1, 9), chunkSize: 64 * 1024 });
    case 'none':
      return new PassThrough();
    default:
      throw new VyaError(`unknown compression "${String(config.algorithm)}"`, { hint: 'use zstd, gzip or none' });
  }
}

export function createDecompressStream(algorithm: CompressionAlgorithm): Transform {
  switch (algorithm) {
    case 'zstd':
      return zstdDecompressStream();
    case 'gzip':
      return createGunzip({ chunkSize: 64 * 1024, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    case 'none':
      return new PassThrough();
    default:
      throw new VyaError(`snapshot uses unknown compression "${String(algorithm)}"`, { hint: 'upgrade vya' });
  }
}

/**
 * Node's own zstd: it runs on libuv's thread pool, so it overlaps with reading, hashing and
 * decryption on the main thread without a worker of ours, and it was faster than the
 * zstd-napi worker it replaced (see the measurement above createCompressStream). Node 22
 * does not report a frame cut short at the very end (Node 24 does); the sha256 of the stored
 * object, age's authenticated last chunk and restore's byte count catch a truncation first.
 */
function zstdDecompressStream(): Transform {
  const stream = createZstdDecompress({ chunkSize: 64 * 1024 });
  // zlib fails by destroying itself with its own error: give it the one line and hint users see.
  const destroy = stream.destroy.bind(stream);
  stream.destroy = (error?: Error) => destroy(error && !(error instanceof VyaError) ? zstdError(error) : error);
  return stream;
}

function zstdError(error: Error): VyaError {
  return new VyaError(`zstd decompression failed: ${error.message}`, { code: 'ZSTD_ERROR', hint: 'the stored object is not valid zstd: run vya verify on it', cause: error });
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
