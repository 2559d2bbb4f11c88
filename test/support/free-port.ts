import { createServer } from 'node:net';

/**
 * A loopback port free right now, chosen by the kernel. A random port picked by hand can be
 * in use as the local end of an outgoing connection (Linux hands out 32768-60999 for those),
 * and a throwaway server then fails to start.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
