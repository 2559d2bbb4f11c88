import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL cluster on its own port, with password (scram) authentication, for
 * tests that must stop a server or check a wrong password (the shared server trusts everyone).
 * It runs as the `postgres` OS user, since PostgreSQL refuses to run as root.
 */
export class ThrowawayPostgres {
  readonly dir: string;
  readonly port: number;
  readonly password = 'Thr0waway pässword';

  constructor(port: number) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), 'vya-pg-cluster-'));
    chmodSync(this.dir, 0o700);
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(this.dir, uid, gid);
    const pwfile = join(this.dir, 'pw');
    writeFileSync(pwfile, this.password);
    chownSync(pwfile, uid, gid);
    this.asPostgres(`${BIN}/initdb`, ['-D', join(this.dir, 'data'), '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8']);
    rmSync(pwfile);
  }

  start(): void {
    this.asPostgres(`${BIN}/pg_ctl`, ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  }

  /** Stops at once, as a crash would: running dumps lose their connection. */
  kill(): void {
    this.asPostgres(`${BIN}/pg_ctl`, ['-D', join(this.dir, 'data'), '-m', 'immediate', 'stop']);
  }

  psql(sql: string, database = 'postgres'): string {
    return execFileSync('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], {
      env: { ...process.env, PGPASSWORD: this.password },
      encoding: 'utf8',
    });
  }

  destroy(): void {
    try {
      this.kill();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private asPostgres(command: string, args: string[]): void {
    execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe', cwd: '/' });
  }
}
