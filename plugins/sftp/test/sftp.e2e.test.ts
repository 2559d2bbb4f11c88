import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../../../test/support/cli.js';
import { PASSWORD_USER, SshdProcess, giveToPasswordUser } from '../../../test/support/sshd.js';

const isRoot = process.getuid?.() === 0;

/**
 * The real CLI against a real sshd: check, backup, snapshots, verify and restore through
 * the SFTP sink with key (and, as root, password) login from the secret store; a wrong host
 * key refused; the server killed in the middle of an upload.
 */
describe('end to end: files backed up over SFTP to a real OpenSSH server and restored', function () {
  this.timeout(300_000);
  const server = new SshdProcess();
  const suffix = randomBytes(4).toString('hex');
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let repo: string;
  let proxy: StallingProxy;
  const env = () => ({
    VYA_STATE_DIR: join(dir.path, 'state'),
    VYA_SECRET_REPO_PASSWORD: `repo passphrase ${suffix}`,
    VYA_SECRET_SFTP_KEY: server.clientKey,
    VYA_SECRET_SFTP_PASSWORD: server.password,
  });

  before(async () => {
    await server.start();
    dir = await tempDir('vya-e2e-sftp-');
    repo = await server.repositoryDir('e2e');
    const passwordRepo = await server.repositoryDir('e2e-password');
    if (isRoot) await giveToPasswordUser(passwordRepo);
    proxy = await stallingProxy(server.port, 2 * 1024 * 1024);
    await mkdir(join(dir.path, 'files', 'sub'), { recursive: true });
    await writeFile(join(dir.path, 'files', 'sub', 'hello.txt'), 'hello over sftp\n');
    await writeFile(join(dir.path, 'files', 'random.bin'), randomBytes(3 * 1024 * 1024 + 17));
    await mkdir(join(dir.path, 'big'));
    await writeFile(join(dir.path, 'big', 'random.bin'), randomBytes(32 * 1024 * 1024));
    const login = `host: 127.0.0.1, port: ${server.port}, username: ${server.username}, private_key: "secret:sftp.key"`;
    const otherKey = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  files: { type: files, paths: [./files] }
  big: { type: files, paths: [./big] }
sinks:
  store: { type: sftp, ${login}, path: ${repo}, host_key: "${server.hostKeyFingerprint}" }
  impostor: { type: sftp, ${login}, path: ${repo}, host_key: "${otherKey}" }
  stalling: { type: sftp, host: 127.0.0.1, port: ${proxy.port}, username: ${server.username}, private_key: "secret:sftp.key", path: ${repo}, host_key: "${server.hostKeyFingerprint}" }
${isRoot ? `  bypassword: { type: sftp, host: 127.0.0.1, port: ${server.port}, username: ${PASSWORD_USER}, password: "secret:sftp.password", path: ${passwordRepo}, host_key: "${server.hostKeyFingerprint}" }\n` : ''}jobs:
  files: { source: files, sink: store, encryption: { passphrase: "secret:repo.password" } }
  big: { source: big, sink: stalling }
`,
    );
  });
  after(async () => {
    await proxy?.close();
    await server.stop();
    await dir?.cleanup();
  });

  it('check logs in with key and password, proves write, read, list and delete, and refuses a wrong host key', async () => {
    const result = await runVya(['check', '--config', config, '--json'], { env: env() });
    const checks = parseJson<{ checks: { name: string; ok: boolean; detail: string }[] }>(result).checks;
    for (const sink of isRoot ? ['store', 'bypassword'] : ['store']) {
      expect(checks.find((c) => c.name === `sink ${sink}: server`)?.detail, sink).to.match(new RegExp(`host key ${escape(server.hostKeyFingerprint)} \\(verified\\)$`));
      for (const step of ['write', 'read', 'list', 'delete']) expect(checks.find((c) => c.name === `sink ${sink}: ${step}`)?.ok, `${sink} ${step}`).to.equal(true);
    }
    const impostor = checks.find((c) => c.name === 'sink impostor: server');
    expect(impostor).to.deep.include({ ok: false });
    expect(impostor!.detail).to.match(new RegExp(`^host key of SFTP server \\[127\\.0\\.0\\.1\\]:${server.port} does not match: it presented ${escape(server.hostKeyFingerprint)}, expected SHA256:`));
    expect(result.code).to.equal(1);
    const output = result.stdout + result.stderr;
    expect(output).to.not.include(server.password);
    expect(output).to.not.include(server.clientKey.split('\n')[1]);
  });

  it('backs up into the server, verifies and restores exactly', async () => {
    const backup = await runVya(['backup', 'files', '--config', config], { env: env() });
    expect(backup.code, backup.stderr).to.equal(0);
    const stored = await filesUnder(repo);
    expect(stored.some((name) => /^data\/files\/.+\.tar\.zst\.age$/.test(name)), stored.join(' ')).to.equal(true);
    expect(stored.some((name) => name.includes('.vya-partial-')), stored.join(' ')).to.equal(false);

    const listed = await runVya(['snapshots', '--json', '--sink', 'store', '--config', config], { env: env() });
    expect(listed.code, listed.stderr).to.equal(0);
    const rows = parseJson<{ job: string; unit: string }[]>(listed);
    expect(rows.map((row) => row.job)).to.deep.equal(['files']);

    const verify = await runVya(['verify', '--all', '--sink', 'store', '--config', config, '--json'], { env: env() });
    expect(verify.code, verify.stderr).to.equal(0);
    const results = parseJson<{ results: { ok: boolean; checked: string }[] }>(verify).results;
    expect(results.map((r) => [r.ok, r.checked])).to.deep.equal([[true, 'full']]);

    const target = join(dir.path, 'restored');
    const restore = await runVya(['restore', `files/${rows[0].unit}@latest`, '--to', target, '--config', config], { env: env() });
    expect(restore.code, restore.stderr).to.equal(0);
    expect(await readFile(join(target, 'sub', 'hello.txt'), 'utf8')).to.equal('hello over sftp\n');
    expect((await readFile(join(target, 'random.bin'))).equals(await readFile(join(dir.path, 'files', 'random.bin')))).to.equal(true);
  });

  it('the server killed mid-upload: the backup fails clearly, no snapshot is listed, only a partial file remains', async () => {
    const running = runVya(['backup', 'big', '--config', config], { env: env() });
    await proxy.stalled;
    await waitFor(async () => (await filesUnder(join(repo, 'data'))).some((name) => name.startsWith('big/') && name.includes('.vya-partial-')));
    await server.kill();
    const backup = await running;
    expect(backup.code).to.equal(1);
    expect(backup.stderr, backup.stderr).to.include(`SFTP connection to 127.0.0.1:${proxy.port} was lost while writing "data/big/`);

    await server.start();
    proxy.release();
    const listed = await runVya(['snapshots', '--json', '--sink', 'stalling', '--config', config], { env: env() });
    expect(listed.code, listed.stderr).to.equal(0);
    expect(parseJson<{ job: string }[]>(listed).map((row) => row.job)).to.not.include('big');
    // The lock the dead server kept is the core's business (stale, see docs/locks.md); of the
    // data, at most the partial files of the archive and of its files listing (which vya prune
    // --orphans removes) are left.
    const left = (await filesUnder(repo)).filter((name) => name.startsWith('data/big/') || name.startsWith('snapshots/big/'));
    expect(left.every((name) => /^data\/big\/.+\.(tar|listing\.jsonl)\.zst\.vya-partial-[0-9a-f]{8}$/.test(name)), left.join(' ')).to.equal(true);
  });
});

interface StallingProxy {
  port: number;
  /** Resolves once the proxy has stopped forwarding (after `afterBytes` towards the server). */
  stalled: Promise<void>;
  /** Forwards normally again, for new connections. */
  release(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay to sshd that stops passing the client's bytes on after `afterBytes`, so an
 * upload stays in the middle however fast the machine is. When sshd goes, the client's
 * connection goes too.
 */
async function stallingProxy(targetPort: number, afterBytes: number): Promise<StallingProxy> {
  let stall = true;
  let onStalled: () => void = () => {};
  const stalled = new Promise<void>((resolve) => (onStalled = resolve));
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    let forwarded = 0;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      forwarded += chunk.length;
      if (stall && forwarded >= afterBytes) {
        client.pause();
        onStalled();
      }
    });
    upstream.on('data', (chunk) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    stalled,
    release: () => (stall = false),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (;;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
