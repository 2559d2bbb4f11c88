import { createServer, type Server } from 'node:http';
import { runNotifierSuite } from '@vya/testing';
import { WebhookNotifier } from '../src/webhook-notifier.js';

// The notifier conformance suite against a real HTTP receiver on loopback.
const bodies: string[] = [];
let server: Server | undefined;

async function receiverUrl(): Promise<string> {
  if (!server) {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        bodies.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    server.unref();
  }
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
}

runNotifierSuite({
  name: 'webhook',
  async create() {
    return new WebhookNotifier({ url: await receiverUrl(), format: 'generic', headers: {}, timeoutMs: 10_000, retries: 0, retryDelayMs: 100, on: ['always'] });
  },
  async delivered() {
    return bodies;
  },
  // A webhook has nothing to probe without sending a notification: no check().
  check: false,
});
