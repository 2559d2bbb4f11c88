import { setFlagsFromString } from 'node:v8';

let stopped = false;

/**
 * Keeps V8's young generation at the size it has, for the rest of the process; called when a
 * unit's bytes start to stream (a backup, a restore, a verify).
 *
 * Streaming allocates a few short-lived objects per chunk and per archive entry, and some are
 * still in flight at each scavenge. V8 doubles its young generation whenever as many bytes
 * survived as it holds: up to 32 MiB on Node 22 and 64 MiB on Node 24. It then starts
 * marking the old generation whenever less than that is left under the old generation's
 * limit, which for vya's ~11 MB heap is at once after every mark-compact: a files backup of
 * 100 000 files ran 25-57 mark-compacts, one every ~100 ms, 0.4-0.9 s of the main thread's
 * time and more on V8's helper threads. Without the growth it runs ~290 scavenges of under a
 * millisecond and 1-2 mark-compacts, and its peak RSS is 15-60 MiB lower
 * (docs/performance.md, twelfth round). V8 reads the growth factor each time it considers
 * growing, so setting it after start-up takes effect; the heap's sizes are fixed at start and
 * could only be changed by starting node with other flags.
 */
export function stopYoungGenerationGrowth(): void {
  if (stopped) return;
  stopped = true;
  setFlagsFromString('--semi-space-growth-factor=1');
}
