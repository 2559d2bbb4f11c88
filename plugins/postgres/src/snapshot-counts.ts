import type pg from 'pg';
import { quoteIdentifier, withClient, type PostgresConnection } from './connection.js';
import { describeDatabase } from './discovery.js';

export interface CountedTable {
  schema: string;
  name: string;
  row_estimate: number;
  /** Exact, in the snapshot pg_dump dumped; absent for partitioned parents (their rows are their partitions'). */
  rows?: number;
}

export interface DatabaseFacts {
  database_size: number;
  tables: CountedTable[];
}

export interface ExportedSnapshot {
  /** For `pg_dump --snapshot=`. */
  id: string;
  /** The database's tables with exact row counts, read inside the exported snapshot. */
  facts: Promise<DatabaseFacts>;
  /** Ends the exporting transaction: call once pg_dump has exited (its snapshot must stay importable until it has started). */
  release(): void;
}

/**
 * Opens a REPEATABLE READ transaction, exports its snapshot for pg_dump and counts every
 * table inside it: the counts describe exactly the data pg_dump writes, however busy the
 * database. The transaction stays open until `release()`, so pg_dump can import the
 * snapshot. The cost is one sequential scan per table, concurrent with the dump.
 */
export async function exportSnapshot(connection: PostgresConnection, database: string): Promise<ExportedSnapshot> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let exported!: (id: string) => void;
  const idKnown = new Promise<string>((resolve) => (exported = resolve));
  const facts = withClient(connection, database, async (client) => {
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // As pg_dump does: fail rather than count fewer rows than are stored.
      await client.query('SET LOCAL row_security = off');
      exported((await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id);
      const counted = await countTables(client);
      await released;
      await client.query('COMMIT');
      return counted;
    } finally {
      release();
    }
  });
  const id = await Promise.race([idKnown, facts.then(() => idKnown)]);
  return { id, facts, release };
}

async function countTables(client: pg.Client): Promise<DatabaseFacts> {
  const described = await describeDatabase(client);
  const partitioned = new Set((await client.query<{ schema: string; name: string }>(PARTITIONED_QUERY)).rows.map((row) => `${row.schema}.${row.name}`));
  const tables: CountedTable[] = [];
  for (const table of described.tables) {
    if (partitioned.has(`${table.schema}.${table.name}`)) tables.push(table);
    else tables.push({ ...table, rows: await countRows(client, table.schema, table.name) });
  }
  return { database_size: described.database_size, tables };
}

/** `count(*)` of the table's own rows (ONLY: an inheritance child is counted as itself). */
export async function countRows(client: pg.Client, schema: string, name: string): Promise<number> {
  const result = await client.query<{ rows: string }>(`SELECT count(*)::text AS rows FROM ONLY ${quoteIdentifier(schema)}.${quoteIdentifier(name)}`);
  return Number(result.rows[0].rows);
}

const PARTITIONED_QUERY = `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'p'`;
