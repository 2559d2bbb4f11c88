import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { VyaError } from '../../plugin-api/index.js';

// Compressed input handed to the worker and not yet processed: enough to keep it busy (256 KiB
// measured slower), small enough that memory stays bounded: each chunk's output arrives whole
// (dumps expand 3-10x), and only then does the readable side's backpressure hold input back.
const IN_FLIGHT_LIMIT = 1024 * 1024;

/**
 * zstd decompression in a worker thread. zstd-napi decompresses synchronously, on one core:
 * on the main thread it would run in series with reading, hashing and decryption. In a
 * worker they overlap, as `age -d | zstd -d` does in a shell (verify of 512 MiB: 1.39 s →
 * 1.18 s). Compression needs no worker: zstd's own threads already do the work.
 */
export class ZstdDecompressStream extends Transform {
  private readonly worker: Worker;
  private inFlight = 0;
  private pendingCallback: TransformCallback | undefined;
  private flushCallback: TransformCallback | undefined;
  /** Set once the worker is done or failed: its exit is then expected. */
  private workerDone = false;

  constructor() {
    super();
    this.worker = createWorker();
    this.worker.on('message', (message: WorkerMessage) => this.onMessage(message));
    this.worker.on('error', (error) => this.fail(error.message));
    this.worker.on('exit', (code) => {
      if (!this.workerDone && !this.destroyed) this.fail(`the worker exited with code ${code}`);
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.inFlight += chunk.length;
    this.worker.postMessage({ chunk });
    if (this.inFlight < IN_FLIGHT_LIMIT) callback();
    else this.pendingCallback = callback;
  }

  override _flush(callback: TransformCallback): void {
    this.flushCallback = callback;
    this.worker.postMessage({ end: true });
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.workerDone = true;
    void this.worker.terminate();
    callback(error);
  }

  private onMessage(message: WorkerMessage): void {
    if (message.chunk) {
      this.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
    } else if (message.consumed !== undefined) {
      this.inFlight -= message.consumed;
      if (this.pendingCallback && this.inFlight < IN_FLIGHT_LIMIT) {
        const callback = this.pendingCallback;
        this.pendingCallback = undefined;
        callback();
      }
    } else if (message.done) {
      this.workerDone = true;
      void this.worker.terminate();
      this.flushCallback?.();
    } else if (message.error !== undefined) {
      this.fail(message.error);
    }
  }

  private fail(message: string): void {
    if (this.workerDone) return;
    this.workerDone = true;
    void this.worker.terminate();
    this.destroy(new VyaError(`zstd decompression failed: ${message}`, { code: 'ZSTD_ERROR', hint: 'the stored object is not valid zstd: run vya verify on it' }));
  }
}

interface WorkerMessage {
  chunk?: Uint8Array;
  consumed?: number;
  done?: boolean;
  error?: string;
}

/**
 * The compiled worker beside this file. Under tsx (the tests) it is TypeScript: a one-line
 * module imports it once tsx's loader is registered in the worker.
 */
function createWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./zstd-decompress-worker.js', import.meta.url));
  const source = new URL('./zstd-decompress-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`, { eval: true });
}
