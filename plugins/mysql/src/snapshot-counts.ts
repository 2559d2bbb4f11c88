import type mysql from 'mysql2/promise';
import { quoteIdentifier, withConnection, type MysqlConnection } from './connection.js';
import { describeTables } from './discovery.js';
import type { DumpRowCounts } from './dump-row-counter.js';

export interface CountedTable {
  name: string;
  row_estimate: number;
  engine: string;
  /** The rows of the table in the dump, or where `row_counts` says so, counted in the snapshot (docs/drills.md). */
  rows: number;
}

export interface CountedTables {
  tables: CountedTable[];
  /** How the counts were taken, for the manifest. */
  row_counts: string;
}

export interface CountingSnapshot {
  /** The tables listed when the snapshot began, with the counts `rowsOf` gives (or, when it gives why it has none, counted in the snapshot). */
  facts(rowsOf: () => Promise<DumpRowCounts | string>): Promise<CountedTables>;
  /** Ends the snapshot's transaction (idempotent): once the facts are read, or the dump failed. */
  release(): void;
}

/**
 * mysqldump writes no rows for these engines' tables (their data lives elsewhere: a MERGE
 * table's in its underlying tables, a FEDERATED one's on another server), so the dump holds
 * no count of theirs: they are counted in the snapshot.
 */
const DATA_NOT_DUMPED = new Set(['MRG_MYISAM', 'MRG_ISAM', 'FEDERATED']);

/**
 * Starts a consistent-snapshot transaction on the database and resolves once the snapshot is
 * taken, so the caller starts the dump right after it, and lists the database's tables.
 * The counts come from the dump itself (DumpRowCounter). Only the tables it holds no rows of,
 * or every table when the dump could not be read, are counted with `count(*)` inside this
 * snapshot, which MySQL cannot hand to mysqldump as PostgreSQL can to pg_dump: it began a
 * few milliseconds before the dump's own (docs/drills.md). The transaction stays open until
 * `release()`.
 */
export async function openCountingSnapshot(connection: MysqlConnection, database: string): Promise<CountingSnapshot> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let opened!: (db: mysql.Connection) => void;
  const ready = new Promise<mysql.Connection>((resolve) => (opened = resolve));
  const session = withConnection(connection, async (db) => {
    try {
      await db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      opened(db);
      await released;
      await db.query('COMMIT').catch(() => {});
    } finally {
      release();
    }
  });
  session.catch(() => {});
  const db = await Promise.race([ready, session.then(() => ready)]);
  const listed = describeTables(db, database);
  listed.catch(() => {});
  const facts = async (rowsOf: () => Promise<DumpRowCounts | string>): Promise<CountedTables> => {
    const tables = await listed;
    const streamed = await rowsOf();
    if (typeof streamed === 'string') {
      const counted = await countEach(db, database, tables, () => true);
      return { tables: counted, row_counts: `counted in a consistent snapshot started just before the dump (the dump itself could not be read: ${streamed}; see docs/drills.md)` };
    }
    const notDumped = (table: { engine: string }) => DATA_NOT_DUMPED.has(table.engine.toUpperCase());
    const counted = await countEach(db, database, tables, notDumped, (table) => streamed.get(table.name) ?? 0);
    return { tables: counted, row_counts: 'exact, counted in the dump as it streamed' };
  };
  return { facts, release };
}

type ListedTable = Omit<CountedTable, 'rows'>;

async function countEach(
  db: mysql.Connection,
  database: string,
  tables: ListedTable[],
  inSnapshot: (table: ListedTable) => boolean,
  fromDump: (table: ListedTable) => number = () => 0,
): Promise<CountedTable[]> {
  const counted: CountedTable[] = [];
  for (const table of tables) counted.push({ ...table, rows: inSnapshot(table) ? await countRows(db, database, table.name) : fromDump(table) });
  return counted;
}

export async function countRows(db: mysql.Connection, database: string, table: string): Promise<number> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)}`);
  return Number(rows[0].n);
}
