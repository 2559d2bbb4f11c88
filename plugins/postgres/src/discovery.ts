import type pg from 'pg';
import { parseNameList, selectNames, VyaError, type BackupUnit, unknownDatabasesError } from '@vya/plugin-api';

export interface DiscoveryOptions {
  include?: string[];
  exclude?: string[];
  dbIgnore?: string | string[];
  globals: boolean;
}

export const GLOBALS_UNIT = 'globals';

/** Databases that accept connections and are not templates, after include/exclude/db_ignore. */
export async function discoverDatabases(client: pg.Client, options: DiscoveryOptions): Promise<BackupUnit[]> {
  const result = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname');
  const names = result.rows.map((row) => row.datname);
  const ignored = new Set(parseNameList(options.dbIgnore));
  const { selected, missing } = selectNames(
    names.filter((name) => !ignored.has(name)),
    { include: options.include, exclude: options.exclude },
  );
  if (missing.length > 0) throw unknownDatabasesError(missing, names);
  if (options.globals && selected.includes(GLOBALS_UNIT)) {
    throw new VyaError(`a database is named "${GLOBALS_UNIT}", which is also the name of the cluster globals unit`, {
      code: 'UNIT_NAME_CLASH',
      hint: `exclude it, or set globals: false`,
    });
  }
  const units: BackupUnit[] = selected.map((name) => ({ name, kind: 'database' }));
  if (options.globals) units.push({ name: GLOBALS_UNIT, kind: 'globals' });
  return units;
}

/** What the manifest records about a database: its size and tables with row estimates. */
export async function describeDatabase(client: pg.Client): Promise<{ database_size: number; tables: { schema: string; name: string; row_estimate: number }[] }> {
  const size = await client.query<{ size: string }>('SELECT pg_database_size(current_database())::text AS size');
  const tables = await client.query<{ schema: string; name: string; row_estimate: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, GREATEST(c.reltuples, 0)::bigint::text AS row_estimate
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1, 2`,
  );
  return {
    database_size: Number(size.rows[0].size),
    tables: tables.rows.map((row) => ({ schema: row.schema, name: row.name, row_estimate: Number(row.row_estimate) })),
  };
}
