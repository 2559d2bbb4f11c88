import type mysql from 'mysql2/promise';
import { VyaError, type DrillCheckRequest, type DrillCheckResult, type DrillTarget } from '@vya/plugin-api';
import { quoteIdentifier, withConnection, type MysqlConnection } from './connection.js';
import { countRows } from './snapshot-counts.js';

interface RecordedTable {
  name: string;
  rows?: number;
}

/** A drill restores only into a name no database has: it must never touch (or later drop) a real one. */
export async function assertScratchFree(connection: MysqlConnection, database: string): Promise<void> {
  const [rows] = await withConnection(connection, (db) => db.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]));
  if (rows.length > 0) {
    throw new VyaError(`database ${database} already exists; a drill restores only into a new scratch database`, {
      code: 'DRILL_SCRATCH_EXISTS',
      hint: 'run the drill again (it picks a new random name), or drop the leftover scratch database if a kept drill left it',
    });
  }
}

/** Every table the manifest recorded exists in the scratch database, is readable, and holds the recorded number of rows. */
export async function checkRestoredDatabase(connection: MysqlConnection, request: DrillCheckRequest): Promise<DrillCheckResult> {
  if (request.unit.kind === 'users') return { checked: 'users and grants replayed', problems: [] };
  const database = scratchDatabase(request.target);
  const recorded = (request.metadata.tables as RecordedTable[] | undefined) ?? [];
  return withConnection(connection, async (db) => {
    const [rows] = await db.query<mysql.RowDataPacket[]>("SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", [database]);
    const present = new Set(rows.map((row) => String(row.name)));
    const problems: string[] = [];
    let total = 0;
    for (const table of recorded) {
      if (!present.has(table.name)) {
        problems.push(`table ${table.name} missing`);
        continue;
      }
      let restored: number;
      try {
        restored = await countRows(db, database, table.name);
      } catch (error) {
        problems.push(`table ${table.name} not readable: ${(error as Error).message}`);
        continue;
      }
      total += restored;
      if (table.rows === undefined) continue;
      if (restored !== table.rows) problems.push(`row count of ${table.name}: ${table.rows} recorded, ${restored} restored`);
    }
    const uncounted = recorded.filter((table) => table.rows === undefined).length;
    const exact = uncounted === 0 ? '' : ` (${uncounted} without a recorded count)`;
    return { checked: `${recorded.length} table(s), ${total} row(s)${exact}`, problems };
  });
}

export async function dropScratchDatabase(connection: MysqlConnection, target: DrillTarget): Promise<void> {
  const database = scratchDatabase(target);
  await withConnection(connection, (db) => db.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`));
}

function scratchDatabase(target: DrillTarget): string {
  if (!target.database) throw new VyaError('a MySQL drill needs a scratch database', { code: 'DRILL_NO_TARGET' });
  return target.database;
}
