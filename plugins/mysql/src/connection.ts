import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { unreachableError, VyaError } from 'vya/plugin-api';

export interface MysqlConnection {
  host: string;
  port: number;
  username: string;
  password?: string;
  socket?: string;
  ssl?: { ca?: string; rejectUnauthorized?: boolean };
}

export async function withConnection<T>(connection: MysqlConnection, work: (db: mysql.Connection) => Promise<T>, database?: string): Promise<T> {
  let db: mysql.Connection;
  try {
    db = await mysql.createConnection({
      host: connection.host,
      port: connection.port,
      user: connection.username,
      password: connection.password,
      socketPath: connection.socket,
      database,
      ssl: connection.ssl,
      connectTimeout: 10_000,
      charset: 'utf8mb4',
      multipleStatements: false,
    });
  } catch (error) {
    throw describeConnectionError(error, connection);
  }
  try {
    return await work(db);
  } finally {
    await db.end().catch(() => {});
  }
}

export function describeConnectionError(error: unknown, connection: MysqlConnection): VyaError {
  const e = error as { code?: string; message?: string };
  const where = connection.socket ? `MySQL at ${connection.socket}` : `MySQL at ${connection.host}:${connection.port}`;
  const unreachable = unreachableError(error, where, connection.host);
  if (unreachable) return unreachable;
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
      return new VyaError(`${where}: access denied for user "${connection.username}"`, { code: 'AUTH_FAILED', hint: 'check the username and the password secret (vya secrets get NAME)' });
    default:
      return new VyaError(`${where}: ${e.message ?? String(error)}`, { code: 'MYSQL_ERROR', hint: 'run vya check for details' });
  }
}

/**
 * A private option file for the mysql/mariadb client tools, so the password never appears on
 * a command line: a 0600 file in a 0700 directory, removed by the returned function.
 */
export async function writeOptionFile(connection: MysqlConnection): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vya-mysql-'));
  await chmod(dir, 0o700);
  const path = join(dir, 'client.cnf');
  const lines = ['[client]', `user=${quoteOption(connection.username)}`];
  if (connection.password !== undefined) lines.push(`password=${quoteOption(connection.password)}`);
  if (connection.socket) lines.push(`socket=${quoteOption(connection.socket)}`);
  else lines.push(`host=${quoteOption(connection.host)}`, `port=${connection.port}`, 'protocol=TCP');
  await writeFile(path, lines.join('\n') + '\n', { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Option-file values in double quotes, with \ and " escaped, as the client library reads them. */
function quoteOption(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
