import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDumpLikeFile } from '../dump-like-data.js';
import { ensureFilesTree } from './files-tree.js';

/** Sizes of every dataset at a scale (1 = the sizes issue 16 defines). */
export interface DatasetSizes {
  pgbenchScale: number;
  pgOrders: number;
  mariadbOrders: number;
  smallFiles: number;
  largeFiles: number;
  largeFileBytes: number;
  smallDatabases: number;
  bigDumpBytes: number;
}

export function sizesAt(scale: number): DatasetSizes {
  const at = (n: number, min = 1) => Math.max(min, Math.round(n * scale));
  return {
    pgbenchScale: at(40),
    pgOrders: at(2_500_000, 1000),
    mariadbOrders: at(1_500_000, 1000),
    smallFiles: at(100_000, 100),
    largeFiles: 3,
    largeFileBytes: at(128 * 1024 * 1024, 1024 * 1024),
    smallDatabases: at(200, 8),
    bigDumpBytes: at(5 * 1024 ** 3, 16 * 1024 * 1024),
  };
}

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
export const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root' };
export const PG_DATABASE = 'bench';
export const MARIADB_DATABASE = 'shop';
export const SMALL_DB_PREFIX = 'vya_bench_small_';

function psql(sql: string, database = 'postgres', quiet = false): string {
  const env = { ...process.env, PGOPTIONS: '-c client_min_messages=warning' };
  return execFileSync('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] }).trim();
}

function mariadb(sql: string, database?: string, quiet = false): string {
  return execFileSync('mariadb', ['-h', MARIADB.host, '-P', String(MARIADB.port), '-u', MARIADB.user, '-N', '-B', ...(database ? [database] : []), '-e', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] }).trim();
}

export function postgresReachable(): boolean {
  try {
    return psql('select 1', 'postgres', true) === '1';
  } catch {
    return false;
  }
}

export function mariadbReachable(): boolean {
  try {
    return mariadb('select 1', undefined, true) === '1';
  } catch {
    return false;
  }
}

/** A dataset is rebuilt only when its recorded spec differs (idempotent across bench runs). */
function pgSpecOf(database: string): string | undefined {
  try {
    return psql('select spec from vya_bench_spec', database, true);
  } catch {
    return undefined;
  }
}

export function ensurePostgresBench(sizes: DatasetSizes, log: (line: string) => void): void {
  const spec = JSON.stringify({ pgbench: sizes.pgbenchScale, orders: sizes.pgOrders });
  if (pgSpecOf(PG_DATABASE) === spec) return;
  log(`creating PostgreSQL ${PG_DATABASE}: pgbench -s ${sizes.pgbenchScale} + orders ${sizes.pgOrders} rows`);
  psql(`drop database if exists ${PG_DATABASE}`);
  psql(`create database ${PG_DATABASE}`);
  execFileSync('pgbench', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-i', '-q', '-s', String(sizes.pgbenchScale), PG_DATABASE], { stdio: 'ignore' });
  psql(
    `create table orders as select g id, now() - (g||' seconds')::interval ts, md5(g::text) h, (random()*1000)::numeric(10,2) amount, md5((g*7)::text) || ' ' || md5((g*13)::text) || ' note ' || (g % 977) note, jsonb_build_object('k', g, 'v', md5(g::text), 'tags', jsonb_build_array('a','b', g%17)) j from generate_series(1, ${sizes.pgOrders}) g`,
    PG_DATABASE,
  );
  psql('alter table orders add primary key (id)', PG_DATABASE);
  psql(`create table vya_bench_spec (spec text); insert into vya_bench_spec values ('${spec}')`, PG_DATABASE);
  psql('vacuum analyze', PG_DATABASE);
}

export function ensureMariadbShop(sizes: DatasetSizes, log: (line: string) => void): void {
  const spec = JSON.stringify({ orders: sizes.mariadbOrders });
  let current: string | undefined;
  try {
    current = mariadb('select spec from vya_bench_spec', MARIADB_DATABASE, true);
  } catch {
    current = undefined;
  }
  if (current === spec) return;
  log(`creating MariaDB ${MARIADB_DATABASE}: orders ${sizes.mariadbOrders} rows`);
  mariadb(`drop database if exists ${MARIADB_DATABASE}; create database ${MARIADB_DATABASE}`);
  mariadb(
    `create table orders (id bigint primary key, ts datetime, h char(32), amount decimal(10,2), note varchar(200), j json);
     insert into orders select seq, now() - interval seq second, md5(seq), round(rand()*1000, 2), concat(md5(seq*7), ' ', md5(seq*13), ' note ', seq % 977), json_object('k', seq, 'v', md5(seq), 'tags', json_array('a', 'b', seq % 17)) from seq_1_to_${sizes.mariadbOrders};
     create table vya_bench_spec (spec text); insert into vya_bench_spec values ('${spec}')`,
    MARIADB_DATABASE,
  );
}

/** `count` small PostgreSQL databases of one 1000-row table each, for the concurrency scenario. */
export function ensureSmallDatabases(count: number, log: (line: string) => void): void {
  const existing = new Set(psql(`select datname from pg_database where datname like '${SMALL_DB_PREFIX}%'`).split('\n').filter(Boolean));
  const wanted = Array.from({ length: count }, (_, i) => `${SMALL_DB_PREFIX}${String(i).padStart(3, '0')}`);
  const missing = wanted.filter((name) => !existing.has(name));
  for (const name of existing) if (!wanted.includes(name)) psql(`drop database ${name}`);
  if (missing.length) log(`creating ${missing.length} small PostgreSQL databases`);
  for (const name of missing) {
    psql(`create database ${name}`);
    psql(`create table items as select g id, md5(g::text) h from generate_series(1, 1000) g`, name);
  }
}

export async function ensureFiles(root: string, sizes: DatasetSizes, log: (line: string) => void): Promise<void> {
  log(`files tree: ${sizes.smallFiles} small files + ${sizes.largeFiles} x ${(sizes.largeFileBytes / 1024 ** 2).toFixed(0)} MiB (kept when present)`);
  await ensureFilesTree(root, { smallFiles: sizes.smallFiles, largeFiles: sizes.largeFiles, largeBytes: sizes.largeFileBytes });
}

/** One dump-like file of `bytes`, alone in its directory, backed up by the files source. */
export async function ensureBigDump(directory: string, bytes: number, log: (line: string) => void): Promise<void> {
  const path = join(directory, 'dump.sql');
  const marker = join(directory, '..', '.vya-bench-bigdump');
  if ((await readFile(marker, 'utf8').catch(() => '')) === String(bytes) && (await stat(path).catch(() => undefined))?.size) return;
  log(`writing a ${(bytes / 1024 ** 3).toFixed(2)} GiB dump-like file`);
  await rm(marker, { force: true });
  await mkdir(directory, { recursive: true });
  await writeDumpLikeFile(path, bytes);
  await writeFile(marker, String(bytes));
}

export function dropRestoreTargets(): void {
  psql('drop database if exists vya_bench_restore');
  psql('drop database if exists vya_bench_restore_ref');
}

export { psql };
