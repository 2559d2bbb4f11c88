import type { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';

/**
 * A Readable may offer to write its bytes straight into a Writable, reusing its own buffers
 * instead of handing each chunk to a reader: a restore's zstd output does (a fresh buffer per
 * chunk cost a restore of a 1 GB dump ~1 CPU s in page faults and garbage collection). The
 * Writable must be done with a buffer once its write callback runs (a child's stdin, a file
 * stream, a sink that discards) and must be the stream's only consumer. The stream then emits
 * no 'data': it ends once every byte was handed to the Writable, or errors. It never ends the
 * Writable: whoever called it does, when the stream ended cleanly.
 */
export const WRITE_DIRECTLY = Symbol.for('vya.writeDirectly');

export interface DirectWriter {
  [WRITE_DIRECTLY](target: Writable): void;
}

export function writesDirectly(data: Readable): data is Readable & DirectWriter {
  return typeof (data as Partial<DirectWriter>)[WRITE_DIRECTLY] === 'function';
}

/**
 * Writes `data` into `target` (a file, a socket) and ends it, as `stream.pipeline` does: on
 * an error of either, both are destroyed and the error rejects. Directly when `data` offers it.
 */
export async function writeInto(data: Readable, target: Writable, signal?: AbortSignal): Promise<void> {
  if (!writesDirectly(data)) return pipeline(data, target, { signal });
  const targetFailed = new Promise<never>((_resolve, reject) => target.once('error', reject));
  data[WRITE_DIRECTLY](target);
  try {
    await Promise.race([finished(data, { signal }), targetFailed]);
  } catch (error) {
    data.destroy();
    target.destroy();
    throw error;
  }
  target.end();
  await Promise.race([finished(target), targetFailed]);
}
