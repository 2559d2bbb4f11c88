import type mysql from 'mysql2/promise';
import { parseNameList, selectNames, VyaError, type BackupUnit, unknownDatabasesError } from '@vya/plugin-api';

export const USERS_UNIT = 'users';
const SYSTEM_SCHEMAS = ['information_schema', 'performance_schema', 'sys'];

export interface DiscoveryOptions {
  include?: string[];
  exclude?: string[];
  dbIgnore?: string | string[];
  includeMysqlSchema: boolean;
  users: boolean;
}

export async function discoverDatabases(db: mysql.Connection, options: DiscoveryOptions): Promise<BackupUnit[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>('SHOW DATABASES');
  const names = rows.map((row) => String(row.Database)).sort();
  const skipped = new Set([...SYSTEM_SCHEMAS, ...(options.includeMysqlSchema ? [] : ['mysql']), ...parseNameList(options.dbIgnore)]);
  const { selected, missing } = selectNames(
    names.filter((name) => !skipped.has(name)),
    { include: options.include, exclude: options.exclude },
  );
  if (missing.length > 0) throw unknownDatabasesError(missing, names);
  if (options.users && selected.includes(USERS_UNIT)) {
    throw new VyaError(`a database is named "${USERS_UNIT}", which is also the name of the users and grants unit`, { code: 'UNIT_NAME_CLASH', hint: 'exclude it, or set users: false' });
  }
  const units: BackupUnit[] = selected.map((name) => ({ name, kind: 'database' }));
  if (options.users) units.push({ name: USERS_UNIT, kind: 'users' });
  return units;
}

export async function serverFacts(db: mysql.Connection): Promise<{ flavour: 'mariadb' | 'mysql'; version: string }> {
  const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version, @@version_comment AS comment');
  const version = String(rows[0].version);
  const flavour = /mariadb/i.test(`${version} ${String(rows[0].comment)}`) ? 'mariadb' : 'mysql';
  return { flavour, version: version.split('-')[0] };
}

export async function describeTables(db: mysql.Connection, database: string): Promise<{ name: string; row_estimate: number; engine: string }[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    "SELECT TABLE_NAME AS name, COALESCE(TABLE_ROWS, 0) AS row_estimate, COALESCE(ENGINE, '') AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  );
  return rows.map((row) => ({ name: String(row.name), row_estimate: Number(row.row_estimate), engine: String(row.engine) }));
}
