import { VyaError, type DrillCheckRequest, type DrillCheckResult, type DrillTarget } from '@vya/plugin-api';
import { quoteIdentifier, withClient, type PostgresConnection } from './connection.js';
import { countRows } from './snapshot-counts.js';

interface RecordedTable {
  schema: string;
  name: string;
  rows?: number;
}

/** A drill restores only into a name no database has: it must never touch (or later drop) a real one. */
export async function assertScratchFree(connection: PostgresConnection, database: string): Promise<void> {
  const found = await withClient(connection, connection.database, (client) => client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]));
  if (found.rowCount) {
    throw new VyaError(`database ${database} already exists on ${connection.host}:${connection.port}; a drill restores only into a new scratch database`, {
      code: 'DRILL_SCRATCH_EXISTS',
      hint: 'run the drill again (it picks a new random name), or drop the leftover scratch database if a kept drill left it',
    });
  }
}

/** Every table the manifest recorded exists in the scratch database, is readable, and holds the recorded number of rows. */
export async function checkRestoredDatabase(connection: PostgresConnection, request: DrillCheckRequest): Promise<DrillCheckResult> {
  if (request.unit.kind === 'globals') return { checked: 'cluster globals replayed', problems: [] };
  const database = scratchDatabase(request.target);
  const recorded = (request.metadata.tables as RecordedTable[] | undefined) ?? [];
  return withClient(connection, database, async (client) => {
    const present = new Set((await client.query<{ qualified: string }>(TABLES_QUERY)).rows.map((row) => row.qualified));
    const problems: string[] = [];
    let rows = 0;
    for (const table of recorded) {
      const name = `${table.schema}.${table.name}`;
      if (!present.has(name)) {
        problems.push(`table ${name} missing`);
        continue;
      }
      let restored: number;
      try {
        restored = await countRows(client, table.schema, table.name);
      } catch (error) {
        problems.push(`table ${name} not readable: ${(error as Error).message}`);
        continue;
      }
      rows += restored;
      if (table.rows === undefined) continue;
      if (restored !== table.rows) problems.push(`row count of ${name}: ${table.rows} recorded, ${restored} restored`);
    }
    const uncounted = recorded.filter((table) => table.rows === undefined).length;
    const exact = uncounted === 0 ? '' : ` (${uncounted} without a recorded count)`;
    return { checked: `${recorded.length} table(s), ${rows} row(s)${exact}`, problems };
  });
}

export async function dropScratchDatabase(connection: PostgresConnection, target: DrillTarget): Promise<void> {
  const database = scratchDatabase(target);
  await withClient(connection, connection.database, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} WITH (FORCE)`));
}

function scratchDatabase(target: DrillTarget): string {
  if (!target.database) throw new VyaError('a PostgreSQL drill needs a scratch database', { code: 'DRILL_NO_TARGET' });
  return target.database;
}

const TABLES_QUERY = `SELECT n.nspname || '.' || c.relname AS qualified FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p')`;
