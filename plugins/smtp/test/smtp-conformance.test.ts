import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNotifierSuite, testPluginContext } from '@vya/testing';
import { smtpNotifierDefinition } from '../src/register.js';
import { LocalMailServer } from '../../../test/support/mail-server.js';

// The notifier conformance suite against a real SMTP server (smtp-server) on loopback that
// demands STARTTLS and AUTH; every outcome goes to `always`, so each notify is one mail.
describe('smtp against a real SMTP server', () => {
  const server = new LocalMailServer();
  let dir = '';

  before(async () => {
    await server.start();
    dir = await mkdtemp(join(tmpdir(), 'vya-suites-smtp-'));
    await writeFile(join(dir, 'ca.pem'), server.certificate);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  runNotifierSuite({
    name: 'smtp',
    checkOk: true,
    async create() {
      const context = testPluginContext('mail', dir);
      const config = { host: '127.0.0.1', port: server.port, starttls: true, username: server.username, password: server.password, from: 'vya@example.test', always: ['ops@example.test'], tls_ca: 'ca.pem', timeout_seconds: 30 };
      return smtpNotifierDefinition.create(config, context);
    },
    async delivered() {
      return server.received;
    },
  });
});
