import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { unreachableError, VyaError, type PluginContext } from '@vya/plugin-api';

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
 * a command line: a 0600 file in vya's private temp dir (under the state dir, not TMPDIR, so a
 * kill -9 leaves it for the next run to remove), removed by the returned function.
 */
export async function writeOptionFile(connection: MysqlConnection, privateTempDir: PluginContext['privateTempDir']): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await privateTempDir('mysql');
  const path = join(dir.path, 'client.cnf');
  const lines = ['[client]', `user=${quoteOption(connection.username)}`];
  if (connection.password !== undefined) lines.push(`password=${quoteOption(connection.password)}`);
  if (connection.socket) lines.push(`socket=${quoteOption(connection.socket)}`);
  else lines.push(`host=${quoteOption(connection.host)}`, `port=${connection.port}`, 'protocol=TCP');
  try {
    await writeFile(path, lines.join('\n') + '\n', { mode: 0o600 });
  } catch (error) {
    await dir.remove();
    throw error;
  }
  return { path, remove: dir.remove };
}

/** Option-file values in double quotes, with \ and " escaped, as the client library reads them. */
function quoteOption(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
