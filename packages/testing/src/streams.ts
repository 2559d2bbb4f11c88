import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A deterministic pseudo-random stream of `size` bytes, generated on the fly (no buffering). */
export function generatedStream(size: number, seed = 1, chunkSize = 64 * 1024): Readable {
  let produced = 0;
  let state = seed >>> 0 || 1;
  return new Readable({
    read() {
      if (produced >= size) return void this.push(null);
      const length = Math.min(chunkSize, size - produced);
      const chunk = Buffer.allocUnsafe(Math.ceil(length / 4) * 4);
      for (let i = 0; i < chunk.length; i += 4) {
        // xorshift32: cheap, reproducible, and not compressible to nothing.
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        chunk.writeUInt32LE(state >>> 0, i);
      }
      produced += length;
      this.push(chunk.subarray(0, length));
    },
  });
}

/** A stream that yields `bytesBefore` bytes and then fails with `error`. */
export function failingStream(bytesBefore: number, error = new Error('source failed mid-stream')): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(randomBytes(bytesBefore));
        return;
      }
      setTimeout(() => this.destroy(error), 10);
    },
  });
}

export async function sha256OfStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * How far resident memory rose above its level at the start while `work` ran (sampled every
 * 50 ms): the measure of "bounded memory" for streaming code.
 */
export async function peakRssGrowth(work: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage().rss) - baseline;
}
