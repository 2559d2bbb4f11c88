import { readFileSync } from 'node:fs';
import pg from 'pg';
import { unreachableError, VyaError } from '@vya/plugin-api';

export interface PostgresConnection {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** The database to connect to for discovery and globals (default postgres). */
  database: string;
  sslmode?: string;
  sslrootcert?: string;
}

/**
 * The libpq environment for pg_dump, pg_restore and psql: the password travels here, never on
 * the command line, and the database name too (a name with '=' would otherwise be read as a
 * connection string).
 */
export function libpqEnv(connection: PostgresConnection, database: string): Record<string, string | undefined> {
  return {
    PGHOST: connection.host,
    PGPORT: String(connection.port),
    PGUSER: connection.username,
    PGPASSWORD: connection.password,
    PGDATABASE: database,
    PGSSLMODE: connection.sslmode,
    PGSSLROOTCERT: connection.sslrootcert,
    PGCONNECT_TIMEOUT: '10',
    PGAPPNAME: 'vya',
  };
}

/**
 * A database name as a libpq connection string (`dbname='...'`), for the `--dbname=` of
 * pg_restore and psql and the `--database=` of pg_dumpall: they read a value holding '=' or
 * starting with postgresql:// as a connection string, so a database named
 * `host=elsewhere dbname=x` would connect elsewhere. Quoted, it is only ever a name.
 */
export function connectionString(database: string): string {
  return `dbname='${database.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Runs `work` with a short-lived client connected to `database`. */
export async function withClient<T>(connection: PostgresConnection, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.username,
    password: connection.password,
    database,
    connectionTimeoutMillis: 10_000,
    ssl: sslOptions(connection),
    application_name: 'vya',
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw describeConnectionError(error, connection, database);
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

function sslOptions(connection: PostgresConnection): pg.ClientConfig['ssl'] {
  const mode = connection.sslmode ?? 'prefer';
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return undefined;
  const ca = connection.sslrootcert ? { ca: readCa(connection.sslrootcert) } : {};
  return { rejectUnauthorized: mode === 'verify-ca' || mode === 'verify-full', ...ca };
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new VyaError(`cannot read sslrootcert ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { code: 'CONFIG_INVALID', hint: 'point sslrootcert at a readable PEM file' });
  }
}

/** One readable line for the usual ways a connection fails. */
export function describeConnectionError(error: unknown, connection: PostgresConnection, database: string): VyaError {
  const e = error as { code?: string; message?: string };
  const where = `PostgreSQL at ${connection.host}:${connection.port}`;
  const unreachable = unreachableError(error, where, connection.host);
  if (unreachable) return unreachable;
  switch (e.code) {
    case '28P01':
    case '28000':
      return new VyaError(`${where}: authentication failed for user "${connection.username}"`, {
        code: 'AUTH_FAILED',
        hint: 'check the username and the password secret (vya secrets get NAME), and pg_hba.conf',
      });
    case '3D000':
      return new VyaError(`${where}: database "${database}" does not exist`, { code: 'NO_DATABASE', hint: 'check the database name (sources.<name>.database for the maintenance database)' });
    default:
      return new VyaError(`${where}: ${e.message ?? String(error)}`, { code: 'POSTGRES_ERROR', hint: 'run vya check for details' });
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
