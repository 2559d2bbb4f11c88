import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

const SSHD = '/usr/sbin/sshd';
/**
 * The account the password tests log in as (made on first use when running as root; no shell).
 * One per test process: test files running in parallel would otherwise reset each other's password.
 */
export const PASSWORD_USER = `vya-sftp-${process.pid}`;

/**
 * A real OpenSSH server (Debian's openssh-server) on a free loopback port, from a config,
 * host key and authorized key of its own in a temporary directory, serving SFTP with
 * internal-sftp (OpenSSH's sftp-server code in the sshd binary). The current user logs in
 * with `clientKey`; when running as root, PASSWORD_USER logs in with `password`.
 */
export class SshdProcess {
  dir = '';
  port = 0;
  /** SHA256 fingerprint of the server's host key, as ssh-keygen -l prints it. */
  hostKeyFingerprint = '';
  /** The public host key line, for a known_hosts file. */
  hostKeyLine = '';
  /** OpenSSH private key of the current user, unencrypted; `encryptedClientKey` needs `clientKeyPassphrase`. */
  clientKey = '';
  encryptedClientKey = '';
  readonly clientKeyPassphrase = `pass ${randomBytes(6).toString('hex')}`;
  readonly password = `pw-${randomBytes(12).toString('base64url')}`;
  readonly username = userInfo().username;
  private child: ChildProcess | undefined;
  private log = '';

  /** Makes keys and config (once) and starts sshd (unless it runs); after `kill`, starts it again on the same port and keys. */
  async start(): Promise<void> {
    if (this.child) return;
    if (!this.dir) await this.prepare();
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => {});
    this.log = '';
    const child = spawn(SSHD, ['-D', '-e', '-f', join(this.dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    child.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const onData = (text: string) => {
        this.log += text;
        if (this.log.includes(`Server listening on 127.0.0.1 port ${this.port}`)) resolve();
      };
      child.stderr!.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`sshd exited with ${code} before listening: ${this.log.trim()}`)));
    });
  }

  /** The server's log so far (for assertions and failure messages). */
  get output(): string {
    return this.log;
  }

  /** SIGKILL the listener and every session process it forked: connections drop at once. */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    const tree = [pid, ...(await descendants(pid))];
    for (const each of tree) {
      try {
        process.kill(each, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
    if (process.getuid?.() === 0) removePasswordUser();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = '';
  }

  /** A directory the current user and PASSWORD_USER may both write in, for repositories. */
  async repositoryDir(name: string): Promise<string> {
    const path = join(this.dir, 'repos', name);
    await mkdir(path, { recursive: true, mode: 0o777 });
    await chmod(path, 0o777);
    return path;
  }

  private async prepare(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'vya-sshd-'));
    // Other users (sshd's privilege separation, PASSWORD_USER) must reach the repositories.
    await chmod(this.dir, 0o755);
    this.port = await freePort();
    const keygen = (file: string, passphrase = '') => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'vya-test', '-f', join(this.dir, file)]);
    keygen('host_ed25519');
    keygen('client');
    keygen('client_encrypted', this.clientKeyPassphrase);
    this.hostKeyLine = (await readFile(join(this.dir, 'host_ed25519.pub'), 'utf8')).trim();
    this.hostKeyFingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(this.dir, 'host_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1];
    this.clientKey = await readFile(join(this.dir, 'client'), 'utf8');
    this.encryptedClientKey = await readFile(join(this.dir, 'client_encrypted'), 'utf8');
    const authorized = (await readFile(join(this.dir, 'client.pub'), 'utf8')) + (await readFile(join(this.dir, 'client_encrypted.pub'), 'utf8'));
    await writeFile(join(this.dir, 'authorized_keys'), authorized, { mode: 0o644 });
    await mkdir(join(this.dir, 'repos'), { mode: 0o755 });
    await writeFile(
      join(this.dir, 'sshd_config'),
      [
        `Port ${this.port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(this.dir, 'host_ed25519')}`,
        `PidFile ${join(this.dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(this.dir, 'authorized_keys')}`,
        'PermitRootLogin yes',
        'PubkeyAuthentication yes',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'StrictModes no',
        'MaxStartups 100',
        'MaxSessions 100',
        'LogLevel VERBOSE',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    if (process.getuid?.() === 0) preparePasswordUser(this.password);
  }
}

/** PASSWORD_USER with this run's password (fed on stdin, never argv); no shell, so SFTP only. */
function preparePasswordUser(password: string): void {
  try {
    execFileSync('id', [PASSWORD_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', PASSWORD_USER]);
  }
  execFileSync('chpasswd', { input: `${PASSWORD_USER}:${password}\n` });
}

/** Removes the account once the tests are done, so no other sshd on the host accepts it. */
function removePasswordUser(): void {
  try {
    execFileSync('userdel', [PASSWORD_USER], { stdio: 'ignore' });
  } catch {
    // no such user: nothing to remove
  }
}

/** Every process below `pid`, from /proc (sshd's session processes start sessions of their own). */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parents.has(ppid)) parents.set(ppid, []);
    parents.get(ppid)!.push(Number(name));
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Makes `path` owned by PASSWORD_USER (when it exists), for a repository only that user writes. */
export async function giveToPasswordUser(path: string): Promise<void> {
  const uid = Number(execFileSync('id', ['-u', PASSWORD_USER], { encoding: 'utf8' }).trim());
  await chown(path, uid, -1);
}
