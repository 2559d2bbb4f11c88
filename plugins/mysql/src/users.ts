import type mysql from 'mysql2/promise';
import picomatch from 'picomatch';
import { quoteIdentifier } from './connection.js';

/** Accounts that come with the server and must not be recreated elsewhere. */
const SYSTEM_ACCOUNTS = new Set(['root', 'mariadb.sys', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'PUBLIC', 'mysql']);

/**
 * `CREATE USER IF NOT EXISTS ...; GRANT ...;` for every non-system account (optionally only
 * those whose name matches `filter`), from SHOW CREATE USER and SHOW GRANTS.
 */
export async function dumpUsersAndGrants(db: mysql.Connection, filter?: string[]): Promise<{ sql: string; accounts: string[] }> {
  const [rows] = await db.query<mysql.RowDataPacket[]>("SELECT User AS user, Host AS host FROM mysql.user WHERE User <> '' ORDER BY User, Host");
  const matches = filter?.length ? picomatch(filter) : () => true;
  const accounts = rows.map((row) => ({ user: String(row.user), host: String(row.host) })).filter((a) => !SYSTEM_ACCOUNTS.has(a.user) && matches(a.user));
  const lines = ['-- vya: users and grants'];
  for (const { user, host } of accounts) {
    // Backquoted, not as strings: no backslash escaping whatever the server's sql_mode.
    const account = `${quoteIdentifier(user)}@${quoteIdentifier(host)}`;
    const [created] = await db.query<mysql.RowDataPacket[]>(`SHOW CREATE USER ${account}`);
    const create = String(Object.values(created[0])[0]).replace(/^CREATE USER /, 'CREATE USER IF NOT EXISTS ');
    lines.push(`${create};`);
    const [grants] = await db.query<mysql.RowDataPacket[]>(`SHOW GRANTS FOR ${account}`);
    for (const grant of grants) lines.push(`${String(Object.values(grant)[0])};`);
  }
  lines.push('FLUSH PRIVILEGES;', '');
  return { sql: lines.join('\n'), accounts: accounts.map((a) => `${a.user}@${a.host}`) };
}
