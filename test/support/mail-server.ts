import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  mail: ParsedMail;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 requiring STARTTLS with a self-signed
 * certificate made by openssl, and AUTH; what arrives is parsed with mailparser.
 */
export class LocalMailServer {
  readonly received: ReceivedMail[] = [];
  readonly certificate: string;
  readonly username = 'mailer';
  readonly password = 'm@il pässword';
  private server: SMTPServer | undefined;
  port = 0;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'vya-smtp-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    this.certificate = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    this.server = new SMTPServer({
      secure: false,
      key,
      cert: this.certificate,
      authMethods: ['PLAIN', 'LOGIN'],
      // AUTH only after STARTTLS, as real relays demand.
      allowInsecureAuth: false,
      onAuth: (auth, _session, callback) => (auth.username === this.username && auth.password === this.password ? callback(null, { user: auth.username }) : callback(new Error('Invalid username or password'))),
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          })
          .catch(callback);
      },
      logger: false,
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server!.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
