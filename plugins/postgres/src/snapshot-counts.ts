import type pg from 'pg';
import { tableKey, type ArchiveRowCounts } from './archive-row-counter.js';
import { quoteIdentifier, withClient, type PostgresConnection } from './connection.js';
import { describeDatabase } from './discovery.js';

export interface CountedTable {
  schema: string;
  name: string;
  row_estimate: number;
  /** Exact: the rows of the table in the dump; absent for partitioned parents and tables the dump holds no data for. */
  rows?: number;
}

export interface DatabaseFacts {
  database_size: number;
  tables: CountedTable[];
}

export interface ExportedSnapshot {
  /** For `pg_dump --snapshot=`. */
  id: string;
  /** The database's tables as the snapshot sees them, with the counts `rowsOf` gives (or, when it gives why it has none, counted here). */
  facts(rowsOf: () => Promise<ArchiveRowCounts | string>): Promise<DatabaseFacts & { row_counts: string }>;
  /** Ends the exporting transaction (idempotent): once the facts are read, or the dump failed. */
  release(): void;
}

/**
 * Opens a REPEATABLE READ transaction and exports its snapshot for pg_dump: the tables it
 * describes are exactly those pg_dump dumps, however busy the database. Row counts come from
 * the dump itself (ArchiveRowCounter); only if it could not be read are the tables counted
 * here, inside the same snapshot (one sequential scan per table). The transaction stays open
 * until `release()`.
 */
export async function exportSnapshot(connection: PostgresConnection, database: string): Promise<ExportedSnapshot> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let opened!: (session: SnapshotSession) => void;
  const ready = new Promise<SnapshotSession>((resolve) => (opened = resolve));
  const session = withClient(connection, database, async (client) => {
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // As pg_dump does: fail rather than count fewer rows than are stored.
      await client.query('SET LOCAL row_security = off');
      const id = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0].id;
      opened({ id, client });
      await released;
      await client.query('COMMIT');
    } finally {
      release();
    }
  });
  session.catch(() => {});
  const { id, client } = await Promise.race([ready, session.then(() => ready)]);
  const facts = async (rowsOf: () => Promise<ArchiveRowCounts | string>) => {
    const described = await describeTables(client);
    const streamed = await rowsOf();
    if (typeof streamed !== 'string') return { ...withRows(described, streamed), row_counts: 'exact, counted in the dump as it streamed' };
    return { ...withRows(described, await countInSnapshot(client, described)), row_counts: `exact, counted in the snapshot pg_dump dumped (the dump itself could not be read: ${streamed})` };
  };
  return { id, facts, release };
}

interface SnapshotSession {
  id: string;
  client: pg.Client;
}

interface DescribedTables extends DatabaseFacts {
  partitioned: Set<string>;
}

async function describeTables(client: pg.Client): Promise<DescribedTables> {
  const described = await describeDatabase(client);
  const partitioned = new Set((await client.query<{ schema: string; name: string }>(PARTITIONED_QUERY)).rows.map((row) => tableKey(row.schema, row.name)));
  return { ...described, partitioned };
}

function withRows(described: DescribedTables, rows: ArchiveRowCounts): DatabaseFacts {
  const tables = described.tables.map((table) => {
    const key = tableKey(table.schema, table.name);
    const counted = described.partitioned.has(key) ? undefined : rows.get(key);
    return counted === undefined ? table : { ...table, rows: counted };
  });
  return { database_size: described.database_size, tables };
}

async function countInSnapshot(client: pg.Client, described: DescribedTables): Promise<ArchiveRowCounts> {
  const rows: ArchiveRowCounts = new Map();
  for (const table of described.tables) {
    const key = tableKey(table.schema, table.name);
    if (!described.partitioned.has(key)) rows.set(key, await countRows(client, table.schema, table.name));
  }
  return rows;
}

/** `count(*)` of the table's own rows (ONLY: an inheritance child is counted as itself). */
export async function countRows(client: pg.Client, schema: string, name: string): Promise<number> {
  const result = await client.query<{ rows: string }>(`SELECT count(*)::text AS rows FROM ONLY ${quoteIdentifier(schema)}.${quoteIdentifier(name)}`);
  return Number(result.rows[0].rows);
}

const PARTITIONED_QUERY = `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'p'`;
