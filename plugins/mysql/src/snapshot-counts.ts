import type mysql from 'mysql2/promise';
import { quoteIdentifier, withConnection, type MysqlConnection } from './connection.js';
import { describeTables } from './discovery.js';

export interface CountedTable {
  name: string;
  row_estimate: number;
  engine: string;
  /** count(*) in a consistent snapshot started just before the dump's (see docs/drills.md). */
  rows: number;
}

/**
 * Starts a consistent-snapshot transaction on the database and resolves `ready` once the
 * snapshot is taken, so the caller starts the dump right after it; `tables` then counts every
 * table inside that snapshot. MySQL cannot hand a snapshot to mysqldump as PostgreSQL can to
 * pg_dump, so the counts are those of a moment a few milliseconds before the dump's own
 * snapshot: exact for tables not written in between (docs/drills.md states the tolerance).
 */
export async function startSnapshotCounts(connection: MysqlConnection, database: string): Promise<{ tables: Promise<CountedTable[]> }> {
  let taken!: () => void;
  const ready = new Promise<void>((resolve) => (taken = resolve));
  const tables = withConnection(connection, async (db) => {
    await db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    taken();
    try {
      return await countTables(db, database);
    } finally {
      await db.query('COMMIT').catch(() => {});
    }
  });
  await Promise.race([ready, tables.then(() => ready)]);
  return { tables };
}

async function countTables(db: mysql.Connection, database: string): Promise<CountedTable[]> {
  const counted: CountedTable[] = [];
  for (const table of await describeTables(db, database)) counted.push({ ...table, rows: await countRows(db, database, table.name) });
  return counted;
}

export async function countRows(db: mysql.Connection, database: string, table: string): Promise<number> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)}`);
  return Number(rows[0].n);
}
