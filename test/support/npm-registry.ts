import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';

/**
 * A throwaway npm registry on loopback: it serves the packument of each package added from
 * an `npm pack` tarball, and the tarball itself; anything else is a 404, as the npm registry
 * answers for a name nobody published. `requests` records every path asked for, so a test
 * can prove npm fetched from here and not from a cache or the public registry.
 */
export class LocalNpmRegistry {
  readonly requests: string[] = [];
  private readonly packuments = new Map<string, object>();
  private readonly tarballs = new Map<string, Buffer>();
  private server?: Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const path = decodedPath(request.url ?? '/');
      this.requests.push(`${request.method} ${path}`);
      const tarball = this.tarballs.get(path);
      const packument = this.packuments.get(path.slice(1));
      if (request.method === 'GET' && tarball) {
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length }).end(tarball);
      } else if (request.method === 'GET' && packument) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
      } else {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not found' }));
      }
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // Port 0: the kernel picks a free one as it binds, so parallel test files never collide.
      server.listen(0, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  /** Publishes the package in `tarball` (made by `npm pack`) with `manifest`, its package.json, as latest. */
  async publish(manifest: { name: string; version: string }, tarball: string): Promise<void> {
    const bytes = await readFile(tarball);
    const file = `/${manifest.name}/-/${manifest.name.replace(/^@[^/]+\//, '')}-${manifest.version}.tgz`;
    this.tarballs.set(file, bytes);
    const dist = {
      tarball: new URL(file.slice(1), this.url).href,
      shasum: createHash('sha1').update(bytes).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    };
    this.packuments.set(manifest.name, {
      _id: manifest.name,
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: { [manifest.version]: { ...manifest, _id: `${manifest.name}@${manifest.version}`, dist } },
      time: { [manifest.version]: new Date().toISOString() },
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** `/@scope%2fname` → `/@scope/name`, as npm asks for a scoped packument; a bad escape stays as sent. */
function decodedPath(url: string): string {
  const path = new URL(url, 'http://registry.invalid').pathname;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
