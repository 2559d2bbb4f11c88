import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private MariaDB server on its own port, for tests that must kill a server mid-dump. */
export class ThrowawayMariadb {
  readonly dir: string;
  private server: ChildProcess | undefined;

  constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'vya-mariadb-'));
    const uid = Number(execFileSync('id', ['-u', 'mysql']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'mysql']).toString().trim());
    chownSync(this.dir, uid, gid);
    execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${join(this.dir, 'data')}`, '--user=mysql', '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'pipe' });
  }

  async start(): Promise<void> {
    this.server = spawn('/usr/sbin/mariadbd', ['--no-defaults', `--datadir=${join(this.dir, 'data')}`, `--port=${this.port}`, `--socket=${join(this.dir, 'sock')}`, '--bind-address=127.0.0.1', '--user=mysql', '--skip-log-bin', '--innodb-flush-log-at-trx-commit=0'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        this.sql('SELECT 1');
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    throw new Error('throwaway MariaDB did not start');
  }

  kill(): void {
    this.server?.kill('SIGKILL');
  }

  sql(statement: string, database?: string): string {
    return execFileSync('mariadb', ['-h', '127.0.0.1', '-P', String(this.port), '-uroot', '-N', '-B', ...(database ? [database] : []), '-e', statement], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  destroy(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
