import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { runTool, spawnStreaming, VyaError, type PluginContext, type RestoreRequest, type RestoreResult } from 'vya/plugin-api';
import { connectionString, libpqEnv, quoteIdentifier, withClient, type PostgresConnection } from './connection.js';
import { toolPath } from './tools.js';

export interface RestoreContext {
  connection: PostgresConnection;
  binDir?: string;
  privateTempDir: PluginContext['privateTempDir'];
}

/**
 * Streams a custom-format dump into pg_restore, creating the target database when missing.
 * Parallel restore (`--jobs`) needs a seekable archive, so the dump is first streamed to a
 * file in vya's private temp dir (under the state dir, not TMPDIR), removed afterwards.
 */
export async function restoreDatabase(request: RestoreRequest, context: RestoreContext, signal: AbortSignal): Promise<RestoreResult> {
  const target = request.options.database ?? request.unit.name;
  const env = libpqEnv(context.connection, target);
  const pgRestore = toolPath('pg_restore', context.binDir);
  if (request.options.dryRun) {
    const listing = await streamInto(pgRestore, ['--list'], request, { env, signal, label: `pg_restore --list of ${request.unit.name}` });
    const entries = listing.split('\n').filter((line) => /^\d+;/.test(line)).length;
    return { summary: `would restore ${entries} archive entries of ${request.unit.name} into database ${target}`, details: { entries, listing } };
  }
  const created = await ensureDatabase(context.connection, target);
  const args = ['--no-password', '--exit-on-error', `--dbname=${connectionString(target)}`];
  if (request.options.clean) args.push('--clean', '--if-exists');
  const jobs = request.options.jobs ?? 1;
  if (jobs > 1) {
    const dir = await context.privateTempDir('pg-restore');
    try {
      const file = join(dir.path, 'archive.pgdump');
      await pipeline(request.data, createWriteStream(file, { mode: 0o600 }), { signal });
      await runTool(pgRestore, [...args, `--jobs=${jobs}`, '--', file], { env, signal, label: `pg_restore of ${request.unit.name} into ${target}` });
    } finally {
      await dir.remove();
    }
  } else {
    // One transaction: a restore that fails part-way leaves the target as it was.
    await streamInto(pgRestore, [...args, '--single-transaction'], request, { env, signal, label: `pg_restore of ${request.unit.name} into ${target}` });
  }
  return { summary: `restored ${request.unit.name} into database ${target}${created ? ' (created)' : ''}${jobs > 1 ? ` with ${jobs} jobs` : ''}`, details: { database: target, created } };
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
  await pipeline(request.data, child.stdin, { signal });
  const stderr = await child.exited;
  const errors = stderr.split('\n').filter((line) => line.includes('ERROR:'));
  const note = errors.length ? `; ${errors.length} statement(s) failed, e.g. ${errors[0].replace(/^.*ERROR:\s*/, '')}` : '';
  return { summary: `restored cluster globals${note}`, details: { errors } };
}

async function streamInto(command: string, args: string[], request: RestoreRequest, options: { env: Record<string, string | undefined>; signal: AbortSignal; label: string }): Promise<string> {
  const child = spawnStreaming(command, args, options);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await Promise.all([pipeline(request.data, child.stdin, { signal: options.signal }), child.exited]);
  return output;
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
