import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { S3rverProcess } from '../../../test/support/s3rver.js';

/**
 * An HTTP proxy in front of s3rver that answers what s3rver ignores: PutObject with
 * `If-None-Match: *`. It serialises such PUTs per key, asks s3rver (HEAD) whether the key
 * exists, and answers 412 PreconditionFailed as AWS documents, or forwards the PUT. It tests
 * vya's side of the protocol (the header sent, the 412 understood); the atomicity on a real
 * store is the store's.
 */
export async function conditionalProxy(target: S3rverProcess): Promise<{ endpoint: string; conditionalPuts: string[]; close: () => Promise<void> }> {
  const conditionalPuts: string[] = [];
  const queues = new Map<string, Promise<void>>();
  const server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '/').split('?')[0];
    if (incoming.method !== 'PUT' || incoming.headers['if-none-match'] !== '*') return void forward(target, incoming, outgoing);
    conditionalPuts.push(path);
    const previous = queues.get(path) ?? Promise.resolve();
    const turn = previous.then(async () => {
      if (await exists(target, path)) {
        incoming.resume();
        const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';
        outgoing.writeHead(412, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) }).end(body);
        return;
      }
      await forward(target, incoming, outgoing);
    });
    queues.set(path, turn.catch(() => {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { endpoint: `http://127.0.0.1:${port}`, conditionalPuts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function forward(target: S3rverProcess, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const upstream = request({ host: '127.0.0.1', port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
      answer.on('end', resolve);
    });
    upstream.on('error', () => (outgoing.destroy(), resolve()));
    incoming.pipe(upstream);
  });
}

function exists(target: S3rverProcess, path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const head = request({ host: '127.0.0.1', port: target.port, method: 'HEAD', path }, (answer) => {
      answer.resume();
      resolve(answer.statusCode === 200);
    });
    head.on('error', reject);
    head.end();
  });
}
