import type { Writable } from 'node:stream';

/** Calls `next` once `stream` has drained or closed, whichever comes first. */
export function whenDrainedOrClosed(stream: Writable, next: () => void): void {
  const go = () => {
    stream.off('drain', go);
    stream.off('close', go);
    next();
  };
  stream.on('drain', go);
  stream.on('close', go);
}
