/**
 * The worker side of `ZstdDecompressStream`: zstd-napi's synchronous decompression, off the
 * main thread.
 *
 * Messages in: `{ chunk }`, then `{ end: true }`. Out: `{ chunk }` for output, `{ consumed: n }`
 * once an input chunk is processed, `{ done: true }` after the last output, `{ error }`.
 */
import { parentPort } from 'node:worker_threads';
import { DecompressStream } from 'zstd-napi';

// Output buffers this large are zstd-napi's own allocations, never Node's shared pool, so
// handing their memory over instead of copying it is safe.
const TRANSFERABLE_BYTES = 64 * 1024;

const port = parentPort!;
const zstd = new DecompressStream();

zstd.on('data', (chunk: Buffer) => {
  if (chunk.buffer.byteLength >= TRANSFERABLE_BYTES && chunk.buffer instanceof ArrayBuffer) port.postMessage({ chunk }, [chunk.buffer]);
  else port.postMessage({ chunk });
});
zstd.on('end', () => port.postMessage({ done: true }));
zstd.on('error', (error: Error) => port.postMessage({ error: error.message }));

port.on('message', (message: { chunk?: Uint8Array; end?: boolean }) => {
  if (message.end) {
    zstd.end();
    return;
  }
  const chunk = message.chunk!;
  zstd.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), () => port.postMessage({ consumed: chunk.byteLength }));
});
