/**
 * Runs `action` once `seen()` holds, polling every 50 ms: a test that kills a server "mid-dump"
 * waits until the dump is really reading, instead of a fixed delay that a loaded machine
 * outruns (the kill then lands before the dump starts, and the test checks the wrong failure).
 * A `seen` that throws (the server is busy or gone) counts as not yet.
 */
export function killWhen(seen: () => boolean, action: () => void, timeoutMs = 120_000): { stop: () => void; fired: Promise<boolean> } {
  let stopped = false;
  const fired = new Promise<boolean>((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      if (stopped || Date.now() > deadline) return resolve(false);
      if (!holdsNow(seen)) return void setTimeout(poll, 50);
      action();
      resolve(true);
    };
    setTimeout(poll, 50);
  });
  return { stop: () => (stopped = true), fired };
}

function holdsNow(seen: () => boolean): boolean {
  try {
    return seen();
  } catch {
    return false;
  }
}
