import { randomBytes } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { isNotFound, type ObjectInfo, type Sink } from '@vya/plugin-api';
import { runSinkSuite } from '@vya/testing';
import { Remote } from '../src/remote.js';
import { SftpSink, type SftpSinkOptions } from '../src/sftp-sink.js';
import { PASSWORD_USER, SshdProcess, giveToPasswordUser } from '../../../test/support/sshd.js';

const server = new SshdProcess();
let repositories = 0;

/** A sink on a fresh repository directory of the test server, logged in with the current user's key. */
async function newSink(overrides: Partial<SftpSinkOptions> = {}): Promise<SftpSink> {
  const root = await server.repositoryDir(`repo-${++repositories}`);
  return new SftpSink({
    host: '127.0.0.1',
    port: server.port,
    username: server.username,
    privateKey: server.clientKey,
    hostKey: { kind: 'fingerprints', fingerprints: [server.hostKeyFingerprint] },
    connectTimeoutMs: 20_000,
    root,
    ...overrides,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

async function collect(items: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of items) keys.push(info.key);
  return keys.sort();
}

describe('SFTP sink against a real OpenSSH server', function () {
  this.timeout(120_000);
  before(() => server.start());
  after(() => server.stop());

  runSinkSuite({
    name: 'sftp',
    create: () => newSink(),
    async cleanup(sink) {
      await rm((sink as SftpSink).root, { recursive: true, force: true });
    },
  });

  describe('authentication', () => {
    it('logs in with a password from config (as a user of its own)', async function () {
      if (process.getuid?.() !== 0) this.skip();
      const sink = await newSink({ username: PASSWORD_USER, privateKey: undefined, password: server.password });
      await giveToPasswordUser(sink.root);
      try {
        await sink.put('pw/object', Readable.from([Buffer.from('by password')]));
        expect((await sink.stat('pw/object'))?.size).to.equal(11);
      } finally {
        await sink.close();
      }
    });

    it('a directory the user may not write in is a clear permission error, and nothing is left', async function () {
      if (process.getuid?.() !== 0) this.skip();
      const sink = await newSink({ username: PASSWORD_USER, privateKey: undefined, password: server.password });
      await import('node:fs/promises').then((fs) => fs.chmod(sink.root, 0o755));
      try {
        const error = await failureOf(sink.put('data/object', Readable.from([Buffer.from('x')])));
        expect(error.code).to.equal('ACCESS_DENIED');
        expect(error.message).to.equal(`permission denied on SFTP server 127.0.0.1:${server.port} (writing "data/object")`);
        expect(await readdir(sink.root)).to.deep.equal([]);
      } finally {
        await sink.close();
      }
    });

    it('refuses a wrong password with one clear line that does not show it', async () => {
      const sink = await newSink({ privateKey: undefined, password: 'not the password' });
      const error = await failureOf(sink.stat('x'));
      expect(error.code).to.equal('AUTH_FAILED');
      expect(error.message).to.equal(`SFTP server 127.0.0.1:${server.port} rejected the login of user "${server.username}"`);
      expect(error.message + error.hint).to.not.include('not the password');
    });

    it('logs in with an encrypted private key and its passphrase; a wrong passphrase is a clear error', async () => {
      const sink = await newSink({ privateKey: server.encryptedClientKey, passphrase: server.clientKeyPassphrase });
      await sink.put('enc/object', Readable.from([Buffer.from('x')]));
      await sink.close();
      const wrong = await newSink({ privateKey: server.encryptedClientKey, passphrase: 'wrong passphrase' });
      const error = await failureOf(wrong.stat('x'));
      expect(error.code).to.equal('BAD_KEY');
      expect(error.message).to.match(/^cannot use the SFTP private key/);
      expect(error.message).to.not.include('wrong passphrase');
    });
  });

  describe('host key verification', () => {
    it('refuses a server whose key does not match host_key, naming what it presented, and writes nothing', async () => {
      const other = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
      const sink = await newSink({ hostKey: { kind: 'fingerprints', fingerprints: [other] } });
      const error = await failureOf(sink.put('never/written', Readable.from([Buffer.from('secret data')])));
      expect(error.code).to.equal('HOST_KEY_MISMATCH');
      expect(error.message).to.equal(`host key of SFTP server [127.0.0.1]:${server.port} does not match: it presented ${server.hostKeyFingerprint}, expected ${other}`);
      expect(await readdir(sink.root)).to.deep.equal([]);
    });

    it('accepts a server listed in known_hosts (plain and hashed lines) and refuses an unlisted or changed one', async () => {
      const file = join(server.dir, `known_hosts_${repositories}`);
      const [type, key] = server.hostKeyLine.split(' ');
      const knownHosts = { kind: 'known-hosts' as const, path: file };

      await writeFile(file, `# comment\nother.example ${type} ${key}\n[127.0.0.1]:${server.port} ${type} ${key}\n`);
      const plain = await newSink({ hostKey: knownHosts });
      await plain.put('kh/plain', Readable.from([Buffer.from('x')]));
      await plain.close();

      await writeFile(file, `[127.0.0.1]:${server.port} ${type} ${key}\n`);
      const { execFileSync } = await import('node:child_process');
      execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
      const hashed = await newSink({ hostKey: knownHosts });
      await hashed.put('kh/hashed', Readable.from([Buffer.from('x')]));
      await hashed.close();

      await writeFile(file, `other.example ${type} ${key}\n`);
      const unknown = await failureOf((await newSink({ hostKey: knownHosts })).stat('x'));
      expect(unknown.code).to.equal('HOST_KEY_UNKNOWN');
      expect(unknown.message).to.equal(`SFTP server [127.0.0.1]:${server.port} is not in ${file} (it presented ${server.hostKeyFingerprint})`);

      const otherKey = Buffer.from(key, 'base64');
      otherKey[otherKey.length - 1] ^= 1;
      await writeFile(file, `[127.0.0.1]:${server.port} ${type} ${otherKey.toString('base64')}\n`);
      const changed = await failureOf((await newSink({ hostKey: knownHosts })).stat('x'));
      expect(changed.code).to.equal('HOST_KEY_MISMATCH');

      await writeFile(file, `@revoked [127.0.0.1]:${server.port} ${type} ${key}\n[127.0.0.1]:${server.port} ${type} ${key}\n`);
      expect((await failureOf((await newSink({ hostKey: knownHosts })).stat('x'))).code).to.equal('HOST_KEY_REVOKED');
    });

    it('a missing known_hosts file is a clear error', async () => {
      const sink = await newSink({ hostKey: { kind: 'known-hosts', path: join(server.dir, 'no-such-known-hosts') } });
      const error = await failureOf(collect(sink.list('')));
      expect(error.message).to.equal(`cannot read known_hosts file ${join(server.dir, 'no-such-known-hosts')}: ENOENT`);
    });
  });

  describe('connection drops', () => {
    let sink: SftpSink;
    afterEach(async () => {
      await server.start().catch(() => {});
      await sink.close();
    });

    it('the server killed mid-upload: put fails clearly, nothing is listed, the temporary file is reported as partial', async () => {
      sink = await newSink();
      await sink.put('before/object', Readable.from([Buffer.from('kept')]));
      const gate = new Readable({ read() {} });
      const upload = sink.put('data/big.bin', gate);
      gate.push(randomBytes(1024 * 1024));
      await waitFor(async () => (await readdir(join(sink.root, 'data')).catch(() => [])).some((name) => name.includes('.vya-partial-')));
      await server.kill();
      gate.push(randomBytes(1024 * 1024));
      const error = await failureOf(upload);
      expect(error.code).to.equal('UNREACHABLE');
      expect(error.message).to.equal(`SFTP connection to 127.0.0.1:${server.port} was lost while writing "data/big.bin"`);

      await server.start();
      // The same sink connects again on its own.
      expect(await collect(sink.list(''))).to.deep.equal(['before/object']);
      expect(await sink.stat('data/big.bin')).to.equal(undefined);
      const partial = await collect(sink.listPartial(''));
      expect(partial).to.have.length(1);
      expect(partial[0]).to.match(/^data\/big\.bin\.vya-partial-[0-9a-f]{8}$/);
      await sink.delete(partial[0]);
      expect(await collect(sink.listPartial(''))).to.deep.equal([]);
    });

    it('get of an object while the server is down is a clear error, not a missing object', async () => {
      sink = await newSink();
      await sink.put('obj', Readable.from([Buffer.from('x')]));
      await server.kill();
      const error = await failureOf(sink.get('obj'));
      expect(isNotFound(error)).to.equal(false);
      expect(error.code).to.equal('UNREACHABLE');
      // Whether the sink noticed the drop before asking or while asking.
      expect(error.message).to.be.oneOf([`cannot reach SFTP server 127.0.0.1:${server.port}: connection refused`, `SFTP connection to 127.0.0.1:${server.port} was lost while reading "obj"`]);
    });
  });

  describe('streaming and servers without OpenSSH extensions', () => {
    let sink: SftpSink;
    afterEach(() => sink.close());

    it('reads the backup stream only as fast as the server stores it (bounded memory)', async () => {
      sink = await newSink();
      const total = 96 * 1024 * 1024;
      let produced = 0;
      let aheadMost = 0;
      const source = new Readable({
        read() {
          const size = Math.min(64 * 1024, total - produced);
          produced += size;
          this.push(size > 0 ? randomBytes(size) : null);
        },
      });
      const watching = setInterval(() => {
        void readdir(sink.root).then(async (names) => {
          const partial = names.find((name) => name.startsWith('big.bin.vya-partial-'));
          if (!partial) return;
          const { size } = await import('node:fs/promises').then((fs) => fs.stat(join(sink.root, partial)));
          aheadMost = Math.max(aheadMost, produced - size);
        }, () => {});
      }, 5);
      try {
        expect((await sink.put('big.bin', source)).size).to.equal(total);
      } finally {
        clearInterval(watching);
      }
      // Writes in flight (1 MiB), socket buffers and the stream's own: nowhere near the 96 MiB.
      expect(aheadMost, 'bytes read from the source but not yet on the server').to.be.above(0).and.below(8 * 1024 * 1024);
    });

    it('without hardlink and posix-rename: putIfAbsent still has exactly one winner, put still overwrites', async () => {
      const has = Remote.prototype.has;
      Remote.prototype.has = function (extension: string) {
        return !['hardlink@openssh.com', 'posix-rename@openssh.com'].includes(extension) && has.call(this, extension);
      };
      try {
        sink = await newSink();
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => sink.putIfAbsent('lock.json', Readable.from([Buffer.from(`contender ${i}`)]))));
        expect(results.filter((result) => result !== undefined)).to.have.length(1);
        const winner = results.findIndex((result) => result !== undefined);
        expect((await readAllText(await sink.get('lock.json')))).to.equal(`contender ${winner}`);
        await sink.put('lock.json', Readable.from([Buffer.from('replaced')]));
        expect(await readAllText(await sink.get('lock.json'))).to.equal('replaced');
        expect(await collect(sink.listPartial(''))).to.deep.equal([]);
      } finally {
        Remote.prototype.has = has;
      }
    });
  });

  describe('keys and check', () => {
    let sink: Sink;
    afterEach(() => sink.close?.());

    it('rejects keys that would escape the repository', async () => {
      sink = await newSink();
      for (const key of ['../outside', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b']) {
        const error = await failureOf(sink.stat(key));
        expect(error.message, key).to.equal(`invalid key "${key}"`);
      }
    });

    it('check names the server, its verified host key and the directory, creating it', async () => {
      const created = await newSink();
      sink = new SftpSink({ ...created.options, root: join(created.root, 'new', 'dir') });
      const items = await sink.check!();
      expect(items.map((item) => [item.name, item.ok])).to.deep.equal([
        ['server', true],
        ['directory', true],
      ]);
      expect(items[0].detail).to.equal(`${server.username}@127.0.0.1:${server.port}, host key ${server.hostKeyFingerprint} (verified)`);
      expect(items[1].detail).to.match(new RegExp(`^${join(created.root, 'new', 'dir')} \\(.+ free\\)$`));
    });

    it('check reports a refused connection as a failed item', async () => {
      sink = new SftpSink({ ...(await newSink()).options, port: 1 });
      const items = await sink.check!();
      expect(items).to.have.length(1);
      expect(items[0]).to.deep.include({ name: 'server', ok: false, detail: 'cannot reach SFTP server 127.0.0.1:1: connection refused' });
    });
  });
});

async function readAllText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
