import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './cli.js';
import { freePort } from './free-port.js';

/**
 * A real S3-compatible server (the npm `s3rver`) in its own process, so that its memory does
 * not count against the process under test. Credentials: S3RVER / S3RVER.
 */
export class S3rverProcess {
  private child: ChildProcess | undefined;
  private dir = '';
  private chosenPort: number | undefined;
  readonly credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

  private buckets: string[] = [];

  /** The port it listens on, chosen by the kernel at `start` (a random one can be taken). */
  get port(): number {
    if (this.chosenPort === undefined) throw new Error('s3rver: start() it before asking for its port');
    return this.chosenPort;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(buckets: string[]): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'vya-s3rver-'));
    this.buckets = buckets;
    // The port is free when chosen but can be taken before s3rver binds it: try another.
    for (let attempt = 1; ; attempt++) {
      this.chosenPort = await freePort();
      try {
        return await this.launch();
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  /** Kills the server as a crash or an outage would, keeping its data for `restart`. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts the server again on the same port and data, after `crash`. */
  async restart(): Promise<void> {
    await this.launch();
  }

  private async launch(): Promise<void> {
    const buckets = this.buckets;
    // s3rver encrypts list continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
    const args = ['--openssl-legacy-provider', '--require', join(repoRoot, 'test', 'support', 's3rver-complete-writes.cjs'), join(repoRoot, 'node_modules', 's3rver', 'bin', 's3rver.js'), '-d', this.dir, '-a', '127.0.0.1', '-p', String(this.port), '--silent', '--no-vhost-buckets'];
    for (const bucket of buckets) args.push('--configure-bucket', bucket);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await listening(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`s3rver did not start on port ${this.port}: ${stderr.trim() || 'no output'}`);
  }

  async stop(): Promise<void> {
    this.child?.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Where s3rver keeps a bucket's multipart parts: empty when no upload was left behind. */
  get dataDir(): string {
    return this.dir;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * A pass-through HTTP proxy in front of s3rver that records each request line, to check
 * what vya sent where s3rver does not implement the answer (AbortMultipartUpload).
 */
export async function recordingProxy(target: S3rverProcess): Promise<{ endpoint: string; requests: string[]; close: () => Promise<void> }> {
  const { createServer, request } = await import('node:http');
  const requests: string[] = [];
  const server = createServer((incoming, outgoing) => {
    requests.push(`${incoming.method} ${incoming.url}`);
    const upstream = request({ host: '127.0.0.1', port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { endpoint: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
