import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { createCompressStream } from '../../src/core/pipeline/compression.js';
import { ZstdPlainStream } from '../../src/core/pipeline/zstd-plain-stream.js';
import { writeInto } from '@vya/plugin-api';
import { generatedStream, readAll, sha256OfStream } from '@vya/testing';
import { tempDir } from '../support/cli.js';

/** A failed write stops the stream: it may have had its other buffers' writes under way. */
const DIRECT_BUFFERS_AT_MOST = 5;

function plainStream(expectedBytes: number): ZstdPlainStream {
  return new ZstdPlainStream(expectedBytes, 'test data');
}

/** Text-like data (compresses about 4:1, like a dump) of `lines` lines. */
function dumpLike(lines: number): Buffer {
  return Buffer.from(Array.from({ length: lines }, (_, i) => `INSERT INTO t VALUES (${i}, 'row ${i % 977}', ${i * 7 % 1000}.${i % 100});\n`).join(''));
}

describe('zstd: compression readable by the zstd CLI, decompression of what it wrote', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('vya-zstd-');
  });
  after(async () => dir.cleanup());

  it('decompresses what the zstd CLI compressed, byte for byte, across many chunks', async () => {
    const plain = dumpLike(600_000);
    await writeFile(join(dir.path, 'plain'), plain);
    execFileSync('zstd', ['-q', '-3', '-T2', join(dir.path, 'plain'), '-o', join(dir.path, 'plain.zst')]);
    const decompressed = await sha256OfStream(createReadStream(join(dir.path, 'plain.zst'), { highWaterMark: 16 * 1024 }).pipe(plainStream(plain.length)));
    expect(decompressed).to.deep.equal({ sha256: createHash('sha256').update(plain).digest('hex'), size: plain.length });
  });

  it('fails with a clear error on data that is not zstd, and on a damaged frame', async () => {
    const notZstd = await readAll(Readable.from([Buffer.from('this is not a zstd frame at all')]).pipe(plainStream(0))).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(notZstd?.message).to.match(/^zstd decompression failed: /);

    const frame = execFileSync('zstd', ['-q', '-c'], { input: dumpLike(10_000) });
    const damaged = Buffer.from(frame);
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    const failed = await readAll(Readable.from([damaged]).pipe(plainStream(10_000))).then(
      () => undefined,
      (error: Error & { code?: string; hint?: string }) => error,
    );
    expect(failed?.message).to.match(/^zstd decompression failed: /);
    expect((failed as { code?: string } | undefined)?.code).to.equal('ZSTD_ERROR');
  });

  it('holds input back while nobody reads its output (bounded memory)', async () => {
    // Incompressible data, so that the compressed input is large: 24 MiB.
    const size = 24 * 1024 * 1024;
    await pipeline(generatedStream(size, 7), createWriteStream(join(dir.path, 'random')));
    execFileSync('zstd', ['-q', '-1', join(dir.path, 'random'), '-o', join(dir.path, 'random.zst')]);
    const source = createReadStream(join(dir.path, 'random.zst'), { highWaterMark: 64 * 1024 });
    const stream = source.pipe(plainStream(size));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Nothing has read: the stream took a few MiB of input at most, not all 24.
    expect(source.bytesRead).to.be.below(8 * 1024 * 1024);
    expect(await sha256OfStream(stream)).to.deep.equal(await sha256OfStream(generatedStream(size, 7)));
  });

  it('compresses into a frame the zstd CLI decompresses and checks, byte for byte', async () => {
    const plain = dumpLike(300_000);
    const compressed = await readAll(Readable.from([plain.subarray(0, 1_000_000), plain.subarray(1_000_000)]).pipe(createCompressStream({ algorithm: 'zstd', level: 3 })));
    expect(compressed.length).to.be.below(plain.length / 3);
    expect(execFileSync('zstd', ['-d', '-c', '--check'], { input: compressed, maxBuffer: 64 * 1024 * 1024 }).equals(plain)).to.equal(true);
  });
});

describe('zstd: writing the plain bytes directly into a target, reusing buffers', function () {
  this.timeout(60_000);
  // About 14 MB of text: 14 output buffers' worth, so buffers must come round again.
  const plain = dumpLike(200_000);
  const compressed = execFileSync('zstd', ['-q', '-3', '-c'], { input: plain, maxBuffer: 64 * 1024 * 1024 });
  const sha256 = createHash('sha256').update(plain).digest('hex');

  /** Feeds the compressed bytes in 64 KiB pieces, as decryption hands them on. */
  function opened(expectedBytes = plain.length): ZstdPlainStream {
    const stream = plainStream(expectedBytes);
    const pieces = Array.from({ length: Math.ceil(compressed.length / 65536) }, (_, i) => compressed.subarray(i * 65536, (i + 1) * 65536));
    Readable.from(pieces).pipe(stream);
    return stream;
  }

  /**
   * A target that reads each chunk only when it calls back, some milliseconds later, as a pipe
   * whose reader is slow: a buffer reused before that would show as wrong bytes.
   */
  function slowTarget(delayMs: number): { target: Writable; hash: Hash; buffers: Set<ArrayBufferLike>; maxPending: () => number } {
    const hash = createHash('sha256');
    const buffers = new Set<ArrayBufferLike>();
    let pending = 0;
    let maxPending = 0;
    const target = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        buffers.add(chunk.buffer);
        pending++;
        maxPending = Math.max(maxPending, pending);
        setTimeout(() => {
          hash.update(chunk);
          pending--;
          callback();
        }, delayMs);
      },
    });
    return { target, hash, buffers, maxPending: () => maxPending };
  }

  it('hands every byte over in order, and takes a buffer back only after its write called back', async () => {
    const stream = opened();
    const { target, hash, buffers } = slowTarget(5);
    await writeInto(stream, target);
    expect(hash.digest('hex')).to.equal(sha256);
    expect(stream.bytes).to.equal(plain.length);
    // Four buffers came round again and again, instead of a fresh one per megabyte.
    expect(buffers.size).to.be.at.most(4);
  });

  it('a frame that ends exactly at the end of an output buffer ends cleanly', async () => {
    const exact = randomBytes(4 * 1024 * 1024);
    const stream = plainStream(exact.length);
    Readable.from([execFileSync('zstd', ['-q', '-1', '-c'], { input: exact, maxBuffer: 16 * 1024 * 1024 })]).pipe(stream);
    const { target, hash } = slowTarget(0);
    await writeInto(stream, target);
    expect(hash.digest('hex')).to.equal(createHash('sha256').update(exact).digest('hex'));
  });

  it('what a reader already took out stays in place, and the rest follows it in order', async () => {
    const stream = opened();
    await once(stream, 'readable');
    const { target, hash } = slowTarget(1);
    await writeInto(stream, target);
    expect(hash.digest('hex')).to.equal(sha256);
  });

  it('a stream read as a stream gets fresh buffers: nothing it was given changes afterwards', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of opened()) chunks.push(chunk as Buffer);
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).to.equal(sha256);
  });

  it('fails at the end when the size is not the manifest\'s, or the input stops inside a frame', async () => {
    const wrongSize = await writeInto(opened(plain.length + 1), slowTarget(0).target).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(wrongSize?.message).to.match(/decompressed size differs/);

    const cut = plainStream(plain.length);
    Readable.from([compressed.subarray(0, compressed.length - 100)]).pipe(cut);
    const truncated = await writeInto(cut, slowTarget(0).target).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(truncated?.message).to.match(/^zstd decompression failed: the data ends inside a zstd frame/);
  });

  it('a target that fails is the error, and the stream stops taking input', async () => {
    const stream = opened();
    let writes = 0;
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        callback(writes === 2 ? new Error('EPIPE: the reader went away') : null);
      },
    });
    const error = await writeInto(stream, failing).then(
      () => undefined,
      (failure: Error) => failure,
    );
    expect(error?.message).to.equal('EPIPE: the reader went away');
    expect(stream.destroyed).to.equal(true);
    expect(writes).to.be.at.most(DIRECT_BUFFERS_AT_MOST);
  });
});
