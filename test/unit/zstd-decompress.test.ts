import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { ZstdDecompressStream } from '../../src/core/pipeline/zstd-decompress-stream.js';
import type { Worker } from 'node:worker_threads';
import { generatedStream, readAll, sha256OfStream } from '../../src/testing/streams.js';
import { tempDir } from '../support/cli.js';

/** Text-like data (compresses about 4:1, like a dump) of `lines` lines. */
function dumpLike(lines: number): Buffer {
  return Buffer.from(Array.from({ length: lines }, (_, i) => `INSERT INTO t VALUES (${i}, 'row ${i % 977}', ${i * 7 % 1000}.${i % 100});\n`).join(''));
}

describe('zstd decompression in a worker thread', function () {
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
    const decompressed = await sha256OfStream(createReadStream(join(dir.path, 'plain.zst'), { highWaterMark: 16 * 1024 }).pipe(new ZstdDecompressStream()));
    expect(decompressed).to.deep.equal({ sha256: createHash('sha256').update(plain).digest('hex'), size: plain.length });
  });

  it('fails with a clear error on data that is not zstd, and on a truncated frame', async () => {
    const notZstd = await readAll(Readable.from([Buffer.from('this is not a zstd frame at all')]).pipe(new ZstdDecompressStream())).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(notZstd?.message).to.match(/^zstd decompression failed: /);

    const frame = execFileSync('zstd', ['-q', '-c'], { input: dumpLike(10_000) });
    const truncated = await readAll(Readable.from([frame.subarray(0, frame.length - 10)]).pipe(new ZstdDecompressStream())).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(truncated?.message).to.match(/^zstd decompression failed: /);
  });

  it('holds input back while nobody reads its output (bounded memory)', async () => {
    // Incompressible data, so that the compressed input is large: 24 MiB.
    const size = 24 * 1024 * 1024;
    await pipeline(generatedStream(size, 7), createWriteStream(join(dir.path, 'random')));
    execFileSync('zstd', ['-q', '-1', join(dir.path, 'random'), '-o', join(dir.path, 'random.zst')]);
    const source = createReadStream(join(dir.path, 'random.zst'), { highWaterMark: 64 * 1024 });
    const stream = source.pipe(new ZstdDecompressStream());
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Nothing has read: the stream took a few MiB of input at most, not all 24.
    expect(source.bytesRead).to.be.below(8 * 1024 * 1024);
    expect(await sha256OfStream(stream)).to.deep.equal(await sha256OfStream(generatedStream(size, 7)));
  });

  it('stops its worker when destroyed mid-stream', async () => {
    const frame = execFileSync('zstd', ['-q', '-c'], { input: dumpLike(200_000) });
    const stream = new ZstdDecompressStream();
    stream.write(frame.subarray(0, 100_000));
    const worker = (stream as unknown as { worker: Worker }).worker;
    const exited = new Promise<string>((resolve) => worker.on('exit', () => resolve('exited')));
    stream.destroy();
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 5_000).unref());
    expect(await Promise.race([exited, timeout])).to.equal('exited');
  });
});
