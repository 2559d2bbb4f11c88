import { createServer, type Server } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { LocalMailServer } from '../support/mail-server.js';
import { parseJson, runVya, tempDir } from '../support/cli.js';

interface HookCall {
  body: Record<string, unknown>;
  attempt: number;
}

describe('end to end: notifications, history and metrics after a run', function () {
  this.timeout(180_000);
  const mail = new LocalMailServer();
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let hooks: Server;
  let hookPort = 0;
  const calls: HookCall[] = [];
  let failNext = 0;
  let pushed = '';
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_SMTP_USERNAME: mail.username, VYA_SECRET_SMTP_PASSWORD: mail.password });

  before(async () => {
    await mail.start();
    hooks = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        if (request.url?.startsWith('/metrics/job/')) {
          pushed = body;
          response.writeHead(200).end();
          return;
        }
        if (request.url === '/slow') return void setTimeout(() => response.writeHead(200).end(), 5000);
        calls.push({ body: JSON.parse(body) as Record<string, unknown>, attempt: calls.length + 1 });
        if (failNext > 0) {
          failNext--;
          response.writeHead(500).end('try again');
          return;
        }
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    hookPort = (hooks.address() as { port: number }).port;
    dir = await tempDir('vya-e2e-notify-');
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
    await writeFile(join(dir.path, 'ca.pem'), mail.certificate);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  data: { type: files, paths: [./data] }
  broken: { type: postgres, host: 127.0.0.1, username: postgres, include: [postgres], bin_dir: /nonexistent/bin }
sinks:
  repo: { type: local, path: ./repo }
notifiers:
  mail:
    type: smtp
    host: 127.0.0.1
    port: ${mail.port}
    starttls: true
    tls_ca: ./ca.pem
    username: "secret:smtp.username"
    password: "secret:smtp.password"
    from: backups@example.org
    on_success: [dba@example.org]
    on_failure: [ops@example.org]
    test_mode: true
  hook: { type: webhook, url: "http://127.0.0.1:${hookPort}/hook/T0KEN-in-the-path", retries: 2, retry_delay_seconds: 0.1 }
  slack: { type: webhook, url: "http://127.0.0.1:${hookPort}/slack", format: slack, on: [failure] }
  slowhook: { type: webhook, url: "http://127.0.0.1:${hookPort}/slow", timeout_seconds: 0.5, retries: 0 }
  deadmail: { type: smtp, host: 127.0.0.1, port: 1, from: a@example.org, on_failure: [x@example.org], on_success: [x@example.org], timeout_seconds: 2 }
jobs:
  good: { source: data, sink: repo, notify: [mail, hook, deadmail, slowhook] }
  bad: { source: broken, sink: repo, notify: [mail, slack] }
metrics: { textfile: ./metrics/vya.prom, pushgateway: { url: "http://127.0.0.1:${hookPort}", job: vya-test } }
`,
    );
  });
  after(async () => {
    await mail.stop();
    await new Promise((resolve) => hooks.close(resolve));
    await dir.cleanup();
  });

  it('a successful run mails the success list, posts the webhook (after retrying a 500) and survives dead notifiers', async () => {
    failNext = 1;
    const result = await runVya(['backup', 'good', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.match(/notifier deadmail failed/);
    expect(result.stderr).to.match(/notifier slowhook failed: webhook 127\.0\.0\.1:\d+ failed: timed out/);
    const received = mail.received.find((m) => m.envelopeTo.includes('dba@example.org'));
    expect(received, 'success mail').to.not.equal(undefined);
    expect(received!.envelopeTo).to.deep.equal(['dba@example.org']);
    expect(received!.mail.subject).to.match(/^vya: good SUCCEEDED - .+ - \d{4}-\d\d-\d\d .* - TEST$/);
    expect(received!.mail.text).to.match(/Units: +1 of 1 succeeded/);
    expect(received!.mail.html).to.match(/<h2[^>]*>good: SUCCEEDED<\/h2>/);
    expect(received!.mail.attachments).to.have.length(0);
    const posted = calls.filter((c) => (c.body as { job?: string }).job === 'good');
    expect(posted).to.have.length(2);
    expect(posted[1].body).to.deep.include({ source: 'vya', event: 'run.succeeded', outcome: 'succeeded', job: 'good' });
    expect(result.stdout + result.stderr).to.not.include('T0KEN-in-the-path');
  });

  it('a failed run mails the failure list with each failed unit and the run log attached, and posts to Slack', async () => {
    const result = await runVya(['backup', 'bad', '--config', config], { env: env() });
    expect(result.code).to.equal(1);
    const received = mail.received.find((m) => m.envelopeTo.includes('ops@example.org'));
    expect(received, 'failure mail').to.not.equal(undefined);
    expect(received!.mail.subject).to.match(/^vya: bad FAILED - /);
    expect(received!.mail.text).to.match(/FAILED {2}postgres: .*pg_dump not found/);
    expect(received!.mail.attachments.map((a) => a.filename)).to.have.length(1);
    expect(received!.mail.attachments[0].filename).to.match(/^vya-bad-run-.*\.log$/);
    expect(received!.mail.attachments[0].content.toString()).to.match(/ERROR .*pg_dump not found/);
    const slack = calls.find((c) => typeof (c.body as { text?: string }).text === 'string');
    expect((slack!.body as { text: string }).text).to.match(/^:x: \*vya bad\* failed on /);
  });

  it('records both runs in the history, with the notifier outcomes, filterable by job and status', async () => {
    const all = parseJson<{ job: string; outcome: string; notifications: { name: string; ok: boolean }[] }[]>(await runVya(['history', '--json', '--config', config], { env: env() }));
    expect(all.map((r) => `${r.job}:${r.outcome}`)).to.deep.equal(['good:succeeded', 'bad:failed']);
    expect(all[0].notifications.map((n) => `${n.name}:${n.ok}`)).to.deep.equal(['mail:true', 'hook:true', 'deadmail:false', 'slowhook:false']);
    const failed = parseJson<unknown[]>(await runVya(['history', '--status', 'failed', '--json', '--config', config], { env: env() }));
    expect(failed).to.have.length(1);
    const table = await runVya(['history', '--job', 'bad', '--config', config], { env: env() });
    expect(table.stdout).to.match(/^STARTED +JOB +OUTCOME/m);
    expect(table.stdout).to.match(/bad +FAILED +0\/1/);
  });

  it('writes Prometheus metrics to the textfile and pushes them to the Pushgateway', async () => {
    const text = await readFile(join(dir.path, 'metrics', 'vya.prom'), 'utf8');
    expect(pushed).to.equal(text);
    for (const line of text.split('\n').filter(Boolean)) {
      expect(line, line).to.match(/^(# (HELP|TYPE) vya_[a-z_]+ .+|vya_[a-z_]+\{([a-z_]+="[^"]*",?)+\} -?[0-9.e+]+)$/);
    }
    expect(text).to.match(/^vya_job_last_run_success\{job="good"\} 1$/m);
    expect(text).to.match(/^vya_job_last_run_success\{job="bad"\} 0$/m);
    expect(text).to.match(/^vya_unit_failures_total\{job="bad",unit="postgres"\} 1$/m);
    expect(text).to.match(/^vya_job_runs_total\{job="bad",outcome="failed"\} 1$/m);
    expect(text).to.match(/^vya_unit_last_success_timestamp_seconds\{job="good",unit="[^"]+"\} \d+(\.\d+)?$/m);
  });
});
