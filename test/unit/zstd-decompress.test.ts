import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { createCompressStream, createDecompressStream } from '../../src/core/pipeline/compression.js';
import { generatedStream, readAll, sha256OfStream } from '@vya/testing';
import { tempDir } from '../support/cli.js';

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
    const decompressed = await sha256OfStream(createReadStream(join(dir.path, 'plain.zst'), { highWaterMark: 16 * 1024 }).pipe(createDecompressStream('zstd')));
    expect(decompressed).to.deep.equal({ sha256: createHash('sha256').update(plain).digest('hex'), size: plain.length });
  });

  it('fails with a clear error on data that is not zstd, and on a damaged frame', async () => {
    const notZstd = await readAll(Readable.from([Buffer.from('this is not a zstd frame at all')]).pipe(createDecompressStream('zstd'))).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(notZstd?.message).to.match(/^zstd decompression failed: /);

    const frame = execFileSync('zstd', ['-q', '-c'], { input: dumpLike(10_000) });
    const damaged = Buffer.from(frame);
    damaged[Math.floor(damaged.length / 2)] ^= 0xff;
    const failed = await readAll(Readable.from([damaged]).pipe(createDecompressStream('zstd'))).then(
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
    const stream = source.pipe(createDecompressStream('zstd'));
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
