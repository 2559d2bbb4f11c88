import { createServer, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../../../test/support/cli.js';

interface Received {
  path: string;
  contentType: string;
  body: Record<string, unknown>;
}

/** Answers like the real receivers: Telegram refuses an unknown chat with its JSON `description`. */
function receiver(received: Received[]): Server {
  return createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      received.push({ path: request.url ?? '', contentType: String(request.headers['content-type']), body: parsed });
      if (request.url?.startsWith('/bot') && parsed.chat_id === 'nowhere') {
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}');
        return;
      }
      response.writeHead(request.url?.startsWith('/bot') ? 200 : 204, { 'content-type': 'application/json' }).end(request.url?.startsWith('/bot') ? '{"ok":true}' : undefined);
    });
  });
}

describe('webhook chat formats: Discord, Teams and Telegram through the vya binary', function () {
  this.timeout(120_000);
  const received: Received[] = [];
  let server: Server;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state') });

  before(async () => {
    server = receiver(received);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dir = await tempDir('vya-e2e-chat-');
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  data: { type: files, paths: [./data] }
  broken: { type: postgres, host: 127.0.0.1, username: postgres, include: [postgres], bin_dir: /nonexistent/bin }
sinks:
  repo: { type: local, path: ./repo }
notifiers:
  discord: { type: webhook, format: discord, url: "${base}/api/webhooks/123/T0KEN_d1sc0rd" }
  teams: { type: webhook, format: teams, url: "${base}/workflows/abc/triggers/manual/paths/invoke" }
  telegram: { type: webhook, format: telegram, chat_id: -100123, url: "${base}/bot123456:T0KEN_te1egram/sendMessage" }
  lost: { type: webhook, format: telegram, chat_id: nowhere, retries: 3, url: "${base}/bot123456:T0KEN_te1egram/sendMessage" }
jobs:
  good: { source: data, sink: repo, notify: [discord, teams, telegram] }
  bad: { source: broken, sink: repo, notify: [discord, teams, telegram, lost] }
`,
    );
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await dir.cleanup();
  });

  it('posts each receiver its own shape after a failed run, with the failed unit and its error', async () => {
    const result = await runVya(['backup', 'bad', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(1);
    const discord = received.find((r) => r.path.startsWith('/api/webhooks/'))!.body;
    expect(discord.content).to.match(/^\*\*vya bad failed on .+: 0\/1 units\*\*\n`postgres`: .*pg\\_dump not found/);
    expect(discord.allowed_mentions).to.deep.equal({ parse: [] });
    const embed = (discord.embeds as { color: number; title: string }[])[0];
    expect(embed.color).to.equal(0xc62828);
    expect(embed.title).to.match(/^vya bad failed on /);

    const teams = received.find((r) => r.path.startsWith('/workflows/'))!.body as { type: string; attachments: { contentType: string; content: Record<string, unknown> }[] };
    expect(teams.type).to.equal('message');
    expect(teams.attachments[0].contentType).to.equal('application/vnd.microsoft.card.adaptive');
    const card = teams.attachments[0].content as { type: string; version: string; body: { type: string; text?: string; color?: string; facts?: { title: string; value: string }[] }[] };
    expect(card.type).to.equal('AdaptiveCard');
    expect(card.body[0]).to.include({ type: 'TextBlock', color: 'Attention' });
    expect(card.body.find((b) => b.type === 'FactSet')!.facts![0].title).to.equal('postgres');

    const telegram = received.find((r) => r.path.startsWith('/bot') && r.body.chat_id === '-100123')!;
    expect(telegram.path).to.equal('/bot123456:T0KEN_te1egram/sendMessage');
    expect(telegram.contentType).to.equal('application/json');
    expect(telegram.body.text).to.match(/^vya bad failed on .+: 0\/1 units\n- postgres: .*pg_dump not found/);
    expect(telegram.body).to.not.have.property('parse_mode');
  });

  it("says the receiver's reason for a refusal, does not retry a 400, and never shows the token", async () => {
    const before = received.filter((r) => r.body.chat_id === 'nowhere').length;
    const result = await runVya(['backup', 'bad', '--config', config], { env: env() });
    expect(result.stderr).to.match(/notifier lost failed: webhook 127\.0\.0\.1:\d+ failed: HTTP 400: Bad Request: chat not found/);
    expect(received.filter((r) => r.body.chat_id === 'nowhere').length - before).to.equal(1);
    expect(result.stdout + result.stderr).to.not.match(/T0KEN_/);
  });

  it('a successful run is green in every format', async () => {
    received.length = 0;
    const result = await runVya(['backup', 'good', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    expect((received.find((r) => r.path.startsWith('/api/'))!.body.embeds as { color: number }[])[0].color).to.equal(0x2e7d32);
    const card = (received.find((r) => r.path.startsWith('/workflows/'))!.body.attachments as { content: { body: { color: string }[] } }[])[0].content;
    expect(card.body[0].color).to.equal('Good');
    expect(received.find((r) => r.path.startsWith('/bot'))!.body.text).to.match(/^vya good succeeded on .+: 1\/1 units$/);
  });

  it('vya check refuses a Telegram webhook without chat_id, naming the key', async () => {
    const bad = join(dir.path, 'bad.yml');
    await writeFile(bad, `sources: { data: { type: files, paths: [./data] } }\nsinks: { repo: { type: local, path: ./repo } }\nnotifiers: { tg: { type: webhook, format: telegram, url: "http://127.0.0.1:1/botX/sendMessage" } }\njobs: { good: { source: data, sink: repo, notify: [tg] } }\n`);
    const result = await runVya(['check', '--config', bad], { env: env() });
    expect(result.code).to.not.equal(0);
    expect(result.stdout + result.stderr).to.match(/notifiers\.tg: missing required key "chat_id"/);
  });
});
