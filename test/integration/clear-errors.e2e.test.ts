import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir, type CliResult } from '../support/cli.js';

/** The user sees one `Error:` line and a hint of its own, never a raw internal or the generic --debug hint. */
function expectOneClearLine(result: CliResult, says: RegExp): void {
  const lines = result.stderr.trim().split('\n').filter((line) => !line.startsWith('warn:'));
  expect(lines, result.stderr).to.have.length(2);
  expect(lines[0]).to.match(/^Error: /);
  expect(lines[0]).to.match(says);
  expect(lines[1]).to.match(/^Hint: /);
  expect(lines[1]).to.not.include('--debug');
}

const RAW = /ENOSPC|malloc|out of range|The operation was aborted|INTERNAL|\n\s+at /;

describe('end to end: hostile or broken input gives one clear line and a hint', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;

  before(async () => {
    dir = await tempDir('vya-e2e-clear-errors-');
    env = { VYA_CONFIG_HOME: join(dir.path, 'config-home'), VYA_STATE_DIR: join(dir.path, 'state') };
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a');
  });
  after(async () => dir.cleanup());

  const config = async (name: string, sink: string, extra = '') => {
    const file = join(dir.path, `${name}.yml`);
    await writeFile(file, `${extra}sources: { data: { type: files, paths: [${join(dir.path, 'data')}] } }\nsinks: { repo: ${sink} }\njobs: { j: { source: data, sink: repo } }\n`);
    return file;
  };

  describe('a hostile config file', () => {
    it('a YAML alias bomb ("billion laughs") is refused at once', async () => {
      const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) {
        const previous = String.fromCharCode(97 + i);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
      }
      const file = join(dir.path, 'bomb.yml');
      await writeFile(file, `${levels.join('\n')}\n`);
      const started = Date.now();
      const result = await runVya(['check', '--config', file], { env });
      expect(Date.now() - started).to.be.below(30_000);
      expect(result.code).to.equal(2);
      expectOneClearLine(result, /bomb\.yml: refused: its YAML aliases expand too much/);
    });

    it('an alias to an undefined anchor names the file, line and alias', async () => {
      const file = join(dir.path, 'alias.yml');
      await writeFile(file, 'sources:\n  data: *nowhere\n');
      const result = await runVya(['backup', '--config', file], { env });
      expect(result.code).to.equal(2);
      expectOneClearLine(result, /alias\.yml:2:\d+: not valid YAML: alias \*nowhere refers to no anchor/);
    });
  });

  describe('a tampered vault file', () => {
    let vaultConfig: string;
    let original: Record<string, unknown>;
    const vaultEnv = () => ({ ...env, VYA_TEST_VAULT_PASS: 'correct horse' });

    before(async () => {
      vaultConfig = join(dir.path, 'vault.yml');
      await writeFile(vaultConfig, `secrets:\n  store: v\n  v: { type: vault-file, path: ${join(dir.path, 'vault.enc')}, passphrase_env: VYA_TEST_VAULT_PASS }\nsources: {}\nsinks: {}\njobs: {}\n`);
      expect((await runVya(['secrets', 'init', '--config', vaultConfig], { env: vaultEnv() })).code).to.equal(0);
      expect((await runVya(['secrets', 'set', 'db', '--password', 'p', '--config', vaultConfig], { env: vaultEnv() })).code).to.equal(0);
      original = JSON.parse(await readFile(join(dir.path, 'vault.enc'), 'utf8')) as Record<string, unknown>;
    });

    const tampered: [string, (vault: Record<string, unknown> & { kdf: Record<string, unknown> }) => void][] = [
      ['a huge scrypt N (malloc failure before)', (vault) => (vault.kdf.N = 2 ** 40)],
      ['an scrypt N that is no power of two', (vault) => (vault.kdf.N = 3)],
      ['a huge scrypt r', (vault) => (vault.kdf.r = 1_000_000)],
      ['a short nonce', (vault) => (vault.nonce = 'AAAA')],
      ['a long tag', (vault) => (vault.tag = Buffer.alloc(40).toString('base64'))],
    ];
    for (const [what, tamper] of tampered) {
      it(`${what}: "vault is corrupted", nothing raw`, async () => {
        const vault = structuredClone(original) as Record<string, unknown> & { kdf: Record<string, unknown> };
        tamper(vault);
        await writeFile(join(dir.path, 'vault.enc'), JSON.stringify(vault), { mode: 0o600 });
        const result = await runVya(['secrets', 'list', '--config', vaultConfig], { env: vaultEnv() });
        expect(result.code).to.equal(1);
        expect(result.stderr).to.not.match(RAW);
        expectOneClearLine(result, /vault .*vault\.enc is corrupted \(/);
      });
    }
  });

  describe('sinks that cannot work', () => {
    it('a full disk says the repository is full, not ENOSPC', async () => {
      const mountPoint = join(dir.path, 'small');
      await mkdir(mountPoint);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
      try {
        await writeFile(join(dir.path, 'data', 'big.bin'), randomBytes(3 * 1024 * 1024));
        const file = await config('full', `{ type: local, path: ${join(mountPoint, 'repo')} }`);
        const result = await runVya(['backup', '--config', file], { env });
        expect(result.code).to.equal(1);
        expect(result.stdout + result.stderr).to.not.match(RAW);
        expect(result.stderr).to.match(/^error: j\/.*: local repository is full while writing/m);
      } finally {
        execFileSync('umount', [mountPoint]);
        execFileSync('rm', ['-f', join(dir.path, 'data', 'big.bin')]);
      }
    });

    it('a sink path on /proc: check finishes quickly and says why', async () => {
      const file = await config('proc', '{ type: local, path: /proc/self }');
      const started = Date.now();
      const result = await runVya(['check', '--config', file], { env, timeoutMs: 60_000 });
      expect(Date.now() - started).to.be.below(30_000);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.match(/FAIL {2}sink repo: directory: local repository \/proc\/self is on the proc pseudo-filesystem\n {6}hint: set the sink path to a directory on a real disk/);
    });

    it('an unreachable S3 endpoint is named with the reason', async () => {
      const file = await config('s3-refused', '{ type: s3, bucket: bkt, endpoint: "http://127.0.0.1:1", region: us-east-1, access_key_id: x, secret_access_key: y, force_path_style: true }');
      const result = await runVya(['backup', '--config', file], { env });
      expect(result.code).to.equal(1);
      expect(result.stdout + result.stderr).to.not.match(RAW);
      expect(result.stderr).to.match(/: cannot reach S3 endpoint http:\/\/127\.0\.0\.1:1: ECONNREFUSED$/m);
    });
  });

  describe('SIGTERM stops the work promptly', () => {
    // A server that accepts connections and never answers: every request to it hangs.
    let silent: Server;
    const sockets: Socket[] = [];
    let port: number;
    before(async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      port = (silent.address() as { port: number }).port;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    for (const command of ['check', 'backup']) {
      it(`${command} against a silent S3 endpoint exits soon after the first SIGTERM, with no raw abort message`, async () => {
        const file = await config(`s3-silent-${command}`, `{ type: s3, bucket: bkt, endpoint: "http://127.0.0.1:${port}", region: us-east-1, access_key_id: x, secret_access_key: y, force_path_style: true }`);
        const started = Date.now();
        // By then the command is past start-up and waiting on the silent endpoint.
        const result = await runVya([command, '--config', file], { env, timeoutMs: 120_000, kill: { signal: 'SIGTERM', afterMs: 8000 } });
        const signalled = started + 8000;
        expect(result.stderr).to.match(/SIGTERM received/);
        // check watches the signal and stops at once; a backup blocked on a call that does not
        // (the job lock on the silent endpoint) is ended by the 30 s grace at the latest.
        expect(Date.now() - signalled, 'time from SIGTERM to exit').to.be.below(command === 'check' ? 15_000 : 40_000);
        expect(result.code).to.not.equal(0);
        expect(result.stdout + result.stderr).to.not.match(RAW);
      });
    }
  });
});
