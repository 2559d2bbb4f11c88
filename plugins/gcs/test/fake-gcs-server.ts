import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm, stat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

interface StoredObject {
  name: string;
  size: number;
  md5: string;
  file: string;
  updated: string;
  generation: number;
}

interface Session {
  bucket: string;
  name: string;
  file: string;
  received: number;
  hash: ReturnType<typeof createHash>;
  /** The ifGenerationMatch precondition of the upload, checked again when it completes. */
  ifGenerationMatch?: number;
}

/**
 * The parts of the Google Cloud Storage JSON API that @google-cloud/storage uses for vya,
 * written from Google's API reference: bucket get; resumable uploads (POST
 * uploadType=resumable → Location with upload_id; PUT chunks with Content-Range, 308 Resume
 * Incomplete with a Range header, status queries with `bytes *\/*`, the object resource on
 * the last chunk); object metadata, `alt=media` download, list with prefix, maxResults and
 * pageToken/nextPageToken, delete; the `ifGenerationMatch` precondition on uploads (0: only
 * if no live object has the name), checked when the session starts and again when it
 * completes, failing with 412 conditionNotMet as Google documents. Objects are files on disk; an object becomes visible only
 * when its upload session completes. Errors have Google's `{"error": {code, message}}` shape.
 */
export class FakeGcsServer {
  private readonly server: Server;
  private readonly objects = new Map<string, StoredObject>();
  private readonly sessions = new Map<string, Session>();
  private dir = '';
  readonly requests: string[] = [];
  port = 0;

  constructor(readonly buckets: string[]) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: Error) => reply(res, 500, { error: { code: 500, message: error.message } }));
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'vya-fake-gcs-'));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Names of the completed objects of a bucket. */
  objectNames(bucket: string): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(`${bucket}/`)).map((key) => key.slice(bucket.length + 1));
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload) return this.handleUpload(upload[1], url, req, res);
    const object = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (object) return this.handleObject(object[1], decodeURIComponent(object[2]), url, req, res);
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && req.method === 'GET') return this.handleList(list[1], url, res);
    const bucket = /^\/storage\/v1\/b\/([^/]+)$/.exec(url.pathname);
    if (bucket && req.method === 'GET') {
      if (!this.buckets.includes(bucket[1])) return notFoundBucket(res);
      return reply(res, 200, { kind: 'storage#bucket', id: bucket[1], name: bucket[1], location: 'EU', storageClass: 'STANDARD' });
    }
    reply(res, 404, { error: { code: 404, message: `Not Found: ${req.method} ${url.pathname}` } });
  }

  private async handleUpload(bucket: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.buckets.includes(bucket)) return drain(req).then(() => notFoundBucket(res));
    const uploadId = url.searchParams.get('upload_id');
    if (req.method === 'POST' && url.searchParams.get('uploadType') === 'resumable') {
      await drain(req);
      const name = url.searchParams.get('name');
      if (!name) return reply(res, 400, { error: { code: 400, message: 'Required parameter: name' } });
      const match = url.searchParams.get('ifGenerationMatch');
      const ifGenerationMatch = match === null ? undefined : Number(match);
      if (!this.generationMatches(bucket, name, ifGenerationMatch)) return preconditionFailed(res);
      const id = randomBytes(12).toString('hex');
      this.sessions.set(id, { bucket, name, file: join(this.dir, `session-${id}`), received: 0, hash: createHash('md5'), ifGenerationMatch });
      res.writeHead(200, { location: `${this.endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`, 'content-length': '0' });
      res.end();
      return;
    }
    const session = uploadId ? this.sessions.get(uploadId) : undefined;
    if (req.method === 'DELETE' && session && uploadId) {
      this.sessions.delete(uploadId);
      await unlink(session.file).catch(() => {});
      return reply(res, 499, { error: { code: 499, message: 'upload cancelled' } });
    }
    if (req.method !== 'PUT' || !session || !uploadId) return drain(req).then(() => reply(res, 404, { error: { code: 404, message: 'No such upload session' } }));
    const range = /^bytes (\*|(\d+)-(-?\d+))\/(\*|\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    if (!range) return drain(req).then(() => reply(res, 400, { error: { code: 400, message: 'Bad Content-Range' } }));
    const total = range[4] === '*' ? undefined : Number(range[4]);
    if (range[1] !== '*') {
      if (Number(range[2]) !== session.received) return drain(req).then(() => reply(res, 400, { error: { code: 400, message: `Expected offset ${session.received}` } }));
      const out = createWriteStream(session.file, { flags: 'a' });
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        session.hash.update(chunk);
      });
      await pipeline(req, out);
      session.received += bytes;
    } else await drain(req);
    if (total !== undefined && session.received === total) return this.finish(uploadId, session, res);
    if (session.received > 0) res.writeHead(308, { range: `bytes=0-${session.received - 1}`, 'content-length': '0' });
    else res.writeHead(308, { 'content-length': '0' });
    res.end();
  }

  /** Generation 0 stands for "no live object"; any other number must equal the live generation. */
  private generationMatches(bucket: string, name: string, ifGenerationMatch: number | undefined): boolean {
    if (ifGenerationMatch === undefined) return true;
    return (this.objects.get(`${bucket}/${name}`)?.generation ?? 0) === ifGenerationMatch;
  }

  private async finish(uploadId: string, session: Session, res: ServerResponse): Promise<void> {
    this.sessions.delete(uploadId);
    const file = join(this.dir, `object-${randomBytes(8).toString('hex')}`);
    await rename(session.file, file).catch(async () => (await import('node:fs/promises')).writeFile(file, ''));
    const size = (await stat(file)).size;
    // Check and replace with no await in between: concurrent completions see one another.
    if (!this.generationMatches(session.bucket, session.name, session.ifGenerationMatch)) {
      await unlink(file).catch(() => {});
      return preconditionFailed(res);
    }
    const key = `${session.bucket}/${session.name}`;
    const previous = this.objects.get(key);
    const stored: StoredObject = { name: session.name, size, md5: session.hash.digest('base64'), file, updated: new Date().toISOString(), generation: Date.now() };
    this.objects.set(key, stored);
    if (previous) await unlink(previous.file).catch(() => {});
    reply(res, 200, resource(session.bucket, stored));
  }

  private async handleObject(bucket: string, name: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.buckets.includes(bucket)) return notFoundBucket(res);
    const stored = this.objects.get(`${bucket}/${name}`);
    if (req.method === 'DELETE') {
      if (!stored) return reply(res, 404, { error: { code: 404, message: `No such object: ${bucket}/${name}` } });
      this.objects.delete(`${bucket}/${name}`);
      await unlink(stored.file).catch(() => {});
      res.writeHead(204).end();
      return;
    }
    if (!stored) return reply(res, 404, { error: { code: 404, message: `No such object: ${bucket}/${name}` } });
    if (url.searchParams.get('alt') === 'media') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(stored.size), 'x-goog-hash': `md5=${stored.md5}`, 'x-goog-generation': String(stored.generation) });
      await pipeline(createReadStream(stored.file), res);
      return;
    }
    reply(res, 200, resource(bucket, stored));
  }

  private handleList(bucket: string, url: URL, res: ServerResponse): void {
    if (!this.buckets.includes(bucket)) return notFoundBucket(res);
    const prefix = url.searchParams.get('prefix') ?? '';
    const max = Math.min(Number(url.searchParams.get('maxResults') ?? 1000), 1000);
    const after = url.searchParams.get('pageToken') ? Buffer.from(url.searchParams.get('pageToken')!, 'base64url').toString('utf8') : '';
    const names = [...this.objects.values()].filter((o) => this.objects.get(`${bucket}/${o.name}`) === o && o.name.startsWith(prefix) && o.name > after).sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = names.slice(0, max);
    const body: Record<string, unknown> = { kind: 'storage#objects', items: page.map((o) => resource(bucket, o)) };
    if (names.length > max) body.nextPageToken = Buffer.from(page[page.length - 1].name).toString('base64url');
    reply(res, 200, body);
  }
}

function resource(bucket: string, o: StoredObject): Record<string, unknown> {
  return { kind: 'storage#object', id: `${bucket}/${o.name}/${o.generation}`, name: o.name, bucket, size: String(o.size), md5Hash: o.md5, updated: o.updated, timeCreated: o.updated, generation: String(o.generation), contentType: 'application/octet-stream' };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function preconditionFailed(res: ServerResponse): void {
  reply(res, 412, { error: { code: 412, message: 'At least one of the pre-conditions you specified did not hold.', errors: [{ reason: 'conditionNotMet', message: 'At least one of the pre-conditions you specified did not hold.', locationType: 'header', location: 'If-Match' }] } });
}

function notFoundBucket(res: ServerResponse): void {
  reply(res, 404, { error: { code: 404, message: 'The specified bucket does not exist.', errors: [{ reason: 'notFound', message: 'The specified bucket does not exist.' }] } });
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}
