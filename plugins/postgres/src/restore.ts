import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, feedChild, runTool, spawnStreaming, VyaError, writeInto, type BackupUnit, type PluginContext, type RestoreOptions, type RestorePlan, type RestoreRequest, type RestoreResult } from '@vya/plugin-api';
import { connectionString, libpqEnv, quoteIdentifier, withClient, type PostgresConnection } from './connection.js';
import { toolPath } from './tools.js';

export interface RestoreContext {
  connection: PostgresConnection;
  binDir?: string;
  privateTempDir: PluginContext['privateTempDir'];
}

/**
 * Refuses, before any data is read, a restore into a database that exists and holds objects
 * without `clean`. A streamed restore runs in one transaction and a parallel one starts only
 * once the whole archive is staged, so neither applies a damaged snapshot: no extra read.
 */
export async function planDatabaseRestore(unit: BackupUnit, options: RestoreOptions, context: RestoreContext): Promise<RestorePlan> {
  const target = options.database ?? unit.name;
  const contents = await databaseContents(context.connection, target);
  if (contents && contents.length > 0 && !options.clean) {
    throw new VyaError(`database ${target} on ${where(context)} holds ${contents.join(', ')}; pass --clean to replace them`, {
      code: 'RESTORE_TARGET_NOT_EMPTY',
      exitCode: 2,
      hint: `or restore under another name with --database ${target}_restored`,
    });
  }
  return { waitsForCleanEnd: true };
}

/**
 * Streams a custom-format dump into pg_restore in one transaction, creating the target
 * database when missing. Parallel restore (`--jobs`) needs a seekable archive, so the dump is
 * first staged in a private temporary file, removed afterwards. A database this restore
 * created is dropped again when the restore fails.
 */
export async function restoreDatabase(request: RestoreRequest, context: RestoreContext, signal: AbortSignal): Promise<RestoreResult> {
  const target = request.options.database ?? request.unit.name;
  const env = libpqEnv(context.connection, target);
  const pgRestore = toolPath('pg_restore', context.binDir);
  await planDatabaseRestore(request.unit, request.options, context);
  if (request.options.dryRun) return listArchive(pgRestore, request, { env, signal, label: `pg_restore --list of ${request.unit.name}` }, target);
  const created = await ensureDatabase(context.connection, target);
  const args = ['--no-password', '--exit-on-error', `--dbname=${connectionString(target)}`];
  if (request.options.clean) args.push('--clean', '--if-exists');
  const jobs = request.options.jobs ?? 1;
  const label = `pg_restore of ${request.unit.name} into ${target}`;
  // Only a parallel pg_restore that has started can leave the database partly restored.
  let parallelStarted = false;
  try {
    if (jobs > 1) await restoreStaged(pgRestore, [...args, `--jobs=${jobs}`], request, { env, signal, label }, context, () => (parallelStarted = true));
    // One transaction: a restore that fails part-way leaves the target as it was.
    else await streamInto(pgRestore, [...args, '--single-transaction'], request, { env, signal, label });
  } catch (error) {
    throw await failedRestore(error, { context, target, created, parallel: parallelStarted });
  }
  return { summary: `restored ${request.unit.name} into database ${target}${created ? ' (created)' : ''}${jobs > 1 ? ` with ${jobs} jobs` : ''}`, details: { database: target, created } };
}

/** The archive goes to vya's private temp dir (under the state dir, not TMPDIR): it is plaintext. */
async function restoreStaged(pgRestore: string, args: string[], request: RestoreRequest, options: ToolRun, context: RestoreContext, onStart: () => void): Promise<void> {
  const dir = await context.privateTempDir('pg-restore');
  try {
    const file = join(dir.path, 'archive.pgdump');
    // Complete only when the data stream ended cleanly, i.e. the snapshot matched its manifest.
    await writeInto(request.data, createWriteStream(file, { mode: 0o600 }), options.signal);
    onStart();
    await runTool(pgRestore, [...args, '--', file], options);
  } finally {
    await dir.remove();
  }
}

/** The error of a failed restore, saying what became of the target database. */
async function failedRestore(error: unknown, what: { context: RestoreContext; target: string; created: boolean; parallel: boolean }): Promise<VyaError> {
  const message = errorMessage(error);
  const code = (error as { code?: string }).code ?? 'RESTORE_FAILED';
  if (what.created) {
    try {
      await dropDatabase(what.context.connection, what.target);
      return new VyaError(`${message}; database ${what.target}, which this restore created, was dropped again`, { code, cause: error });
    } catch (dropError) {
      return new VyaError(`${message}; database ${what.target} was created by this restore and could not be dropped again: ${errorMessage(dropError)}`, { code, cause: error, hint: `drop it by hand: DROP DATABASE "${what.target}"` });
    }
  }
  if (what.parallel) {
    return new VyaError(`${message}; database ${what.target} may be partly restored (a parallel restore does not run in one transaction)`, {
      code,
      cause: error,
      hint: 'restore again with --clean, or without --jobs to restore in one transaction',
    });
  }
  return new VyaError(`${message}; database ${what.target} was left as it was`, { code, cause: error });
}

/** Replays `pg_dumpall --globals-only` SQL with psql; roles that already exist are reported, not fatal. */
export async function restoreGlobals(request: RestoreRequest, context: RestoreContext, signal: AbortSignal): Promise<RestoreResult> {
  const env = libpqEnv(context.connection, context.connection.database);
  if (request.options.dryRun) {
    const chunks: Buffer[] = [];
    for await (const chunk of request.data) chunks.push(chunk as Buffer);
    const sql = Buffer.concat(chunks).toString('utf8');
    return { summary: `would run ${sql.split('\n').filter((l) => /^(CREATE|ALTER|GRANT)/.test(l)).length} statements of the cluster globals`, details: { sql } };
  }
  const child = spawnStreaming(toolPath('psql', context.binDir), ['--no-password', '-X', '-q', '-v', 'ON_ERROR_STOP=0'], { env, signal, label: 'psql (globals)' });
  child.stdout.resume();
  const stderr = await feedChild(child, request.data);
  const errors = stderr.split('\n').filter((line) => line.includes('ERROR:'));
  const note = errors.length ? `; ${errors.length} statement(s) failed, e.g. ${errors[0].replace(/^.*ERROR:\s*/, '')}` : '';
  return { summary: `restored cluster globals${note}`, details: { errors } };
}

interface ToolRun {
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  label: string;
}

async function streamInto(command: string, args: string[], request: RestoreRequest, options: ToolRun): Promise<string> {
  const child = spawnStreaming(command, args, options);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await feedChild(child, request.data);
  return output;
}

/**
 * `pg_restore --list` reads the archive's table of contents and exits: the rest of the
 * snapshot is never read (the core closes the stream).
 */
async function listArchive(pgRestore: string, request: RestoreRequest, options: ToolRun, target: string): Promise<RestoreResult> {
  const listing = await streamInto(pgRestore, ['--list'], request, options);
  const entries = listing.split('\n').filter((line) => /^\d+;/.test(line)).length;
  return { summary: `would restore ${entries} archive entries of ${request.unit.name} into database ${target}`, details: { entries, listing } };
}

/** What a database holds, e.g. ['12 tables', '2 functions'], or undefined when it does not exist. */
async function databaseContents(connection: PostgresConnection, name: string): Promise<string[] | undefined> {
  const exists = await withClient(connection, connection.database, (client) => client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  if (!exists.rowCount) return undefined;
  const counts = await withClient(connection, name, async (client) => (await client.query<Record<string, string>>(CONTENTS_QUERY)).rows[0]);
  return Object.entries(counts)
    .filter(([, count]) => Number(count) > 0)
    .map(([kind, count]) => `${count} ${Number(count) === 1 ? kind : `${kind}s`}`);
}

const USER_SCHEMA = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";
const CONTENTS_QUERY = `SELECT
  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMA}) AS "table",
  (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm', 'S', 'f') AND ${USER_SCHEMA}) AS "other relation",
  (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMA}) AS "function",
  (SELECT count(*) FROM pg_namespace n WHERE n.nspname <> 'public' AND ${USER_SCHEMA}) AS "schema",
  (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'r') AND ${USER_SCHEMA}) AS "type",
  (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql') AS "extension",
  (SELECT count(*) FROM pg_largeobject_metadata) AS "large object"`;

function where(context: RestoreContext): string {
  return `${context.connection.host}:${context.connection.port}`;
}

async function dropDatabase(connection: PostgresConnection, name: string): Promise<void> {
  await withClient(connection, connection.database, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`));
}

async function ensureDatabase(connection: PostgresConnection, name: string): Promise<boolean> {
  return withClient(connection, connection.database, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    } catch (error) {
      throw new VyaError(`cannot create database "${name}": ${(error as Error).message}`, { code: 'CREATE_FAILED', hint: 'the restore role needs CREATEDB, or create the database first' });
    }
    return true;
  });
}
