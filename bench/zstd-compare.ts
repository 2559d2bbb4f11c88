/**
 * Node's own zlib zstd against zstd-napi, on dump-like data, in alternating rounds (A B A B …)
 * so that load from other processes on the machine falls on both alike.
 *
 *   node --import tsx bench/zstd-compare.ts            (VYA_BENCH_MB=512, VYA_BENCH_ROUNDS=5)
 *
 * Each trial runs in its own process and reports its wall time and CPU time (user + system,
 * all threads). The trials run the stages around zstd that backup and verify run (age and
 * sha256), so that the work the compressor can overlap with is there:
 *   compress:   file -> zstd -> age encrypt -> sha256 -> discard
 *   decompress: file -> sha256 -> age decrypt -> zstd -d -> discard
 * Needs Node >= 22.15 and zstd-napi installed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { createAgeDecryptStream, createAgeEncryptStream, generateX25519Identity, recipientOf } from '../src/core/crypto/age/index.js';
import { writeDumpLikeFile } from './dump-like-data.js';

type Variant = 'compress-zlib' | 'compress-napi' | 'decompress-zlib' | 'decompress-napi';

const megabytes = Number(process.env.VYA_BENCH_MB ?? 512);
const rounds = Number(process.env.VYA_BENCH_ROUNDS ?? 5);
const root = join(import.meta.dirname, '..', 'tmp', 'zstd-compare');
const plainFile = join(root, `dump-${megabytes}.txt`);
const compressedFile = `${plainFile}.zst`;
const encryptedFile = `${compressedFile}.age`;
const identityFile = join(root, 'identity.txt');
const workers = Math.max(2, Math.min(availableParallelism(), 8));

async function compressStream(variant: Variant): Promise<Transform> {
  if (variant === 'compress-zlib') {
    // ZSTD_c_nbWorkers breaks the stream (nodejs/node#59899: "push() after EOF" on Node 22.23
    // and 24.21), so zlib compresses on one libuv pool thread.
    const { constants } = zlib;
    return zlib.createZstdCompress({ chunkSize: 64 * 1024, params: { [constants.ZSTD_c_compressionLevel]: 3, [constants.ZSTD_c_checksumFlag]: 1 } });
  }
  const { CompressStream } = await import('zstd-napi');
  return new CompressStream({ compressionLevel: 3, nbWorkers: workers, checksumFlag: true });
}

async function decompressStream(variant: Variant): Promise<Transform> {
  if (variant === 'decompress-zlib') return zlib.createZstdDecompress();
  // The figures in docs/performance.md ran zstd-napi in the worker thread vya had then
  // (src/core/pipeline/zstd-decompress-worker.ts, removed since); this is zstd-napi in-thread.
  const { DecompressStream } = await import('zstd-napi');
  return new DecompressStream();
}

function hashing(): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
}

function counter(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

async function trial(variant: Variant): Promise<void> {
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const sink = counter();
  const identity = readFileSync(identityFile, 'utf8').trim();
  if (variant.startsWith('compress')) {
    const encrypt = createAgeEncryptStream({ recipients: [recipientOf(identity)] });
    await pipeline(createReadStream(plainFile, { highWaterMark: 1024 * 1024 }), await compressStream(variant), encrypt, hashing(), sink);
  } else {
    const decrypt = createAgeDecryptStream({ identities: [identity] });
    await pipeline(createReadStream(encryptedFile, { highWaterMark: 1024 * 1024 }), hashing(), decrypt, await decompressStream(variant), sink);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ variant, wall, cpu: (cpu.user + cpu.system) / 1e6, bytes: sink.bytes }) + '\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  await mkdir(root, { recursive: true });
  if (!existsSync(plainFile) || statSync(plainFile).size < megabytes * 1024 * 1024) await writeDumpLikeFile(plainFile, megabytes * 1024 * 1024);
  if (!existsSync(compressedFile)) execFileSync('zstd', ['-3', '-T2', '-q', '-f', plainFile, '-o', compressedFile]);
  if (!existsSync(identityFile)) writeFileSync(identityFile, generateX25519Identity().identity);
  if (!existsSync(encryptedFile)) {
    const identity = readFileSync(identityFile, 'utf8').trim();
    await pipeline(createReadStream(compressedFile), createAgeEncryptStream({ recipients: [recipientOf(identity)] }), createWriteStream(encryptedFile));
  }
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, { wall: number[]; cpu: number[] }> = {};
  const pairs = [['compress-napi', 'compress-zlib'], ['decompress-napi', 'decompress-zlib']] as const;
  for (const [a, b] of pairs.filter(([name]) => !process.env.VYA_BENCH_ONLY || name.startsWith(process.env.VYA_BENCH_ONLY))) {
    for (let round = 0; round < rounds; round++) {
      for (const variant of [a, b]) {
        const line = execFileSync(process.execPath, ['--import', 'tsx', self, variant], { env: process.env }).toString().trim();
        const { wall, cpu } = JSON.parse(line) as { wall: number; cpu: number };
        process.stderr.write(`${variant} round ${round + 1}: wall ${wall.toFixed(2)} s, cpu ${cpu.toFixed(2)} s\n`);
        (results[variant] ??= { wall: [], cpu: [] }).wall.push(wall);
        results[variant].cpu.push(cpu);
      }
    }
  }
  console.log(`\n${megabytes} MiB dump-like data, ${rounds} alternating rounds, medians, node ${process.version}, nbWorkers ${workers}`);
  console.log('| variant | wall | cpu |\n|---|---|---|');
  for (const [variant, { wall, cpu }] of Object.entries(results)) console.log(`| ${variant} | ${median(wall).toFixed(2)} s | ${median(cpu).toFixed(2)} s |`);
}

const variant = process.argv[2] as Variant | undefined;
if (variant) await trial(variant);
else await main();
