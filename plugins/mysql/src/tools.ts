import { runTool, VyaError } from '@vya/plugin-api';

export interface MysqlTools {
  dump: string;
  client: string;
}

/** `mariadb-dump`/`mariadb` when present, else `mysqldump`/`mysql`; or the configured paths. */
export async function findTools(configured: Partial<MysqlTools>): Promise<MysqlTools> {
  const dump = configured.dump ?? (await firstPresent(['mariadb-dump', 'mysqldump']));
  const client = configured.client ?? (await firstPresent(['mariadb', 'mysql']));
  return { dump, client };
}

/** Consistent InnoDB dumps of a single database: no CREATE DATABASE/USE, so it restores under any name. */
const DUMP_OPTIONS = ['--single-transaction', '--quick', '--routines', '--triggers', '--events', '--hex-blob', '--default-character-set=utf8mb4', '--no-tablespaces', '--skip-lock-tables'];

/**
 * The dump tool's arguments for one database. `--defaults-extra-file` must come first; `--`
 * ends the options, so a database named `-r/etc/x` or `--all-databases` is only ever a name.
 */
export function dumpArgs(optionFile: string, database: string): string[] {
  return [`--defaults-extra-file=${optionFile}`, ...DUMP_OPTIONS, '--', database];
}

/** The client's arguments; a database travels as the value of `--database=NAME`, never on its own. */
export function clientArgs(optionFile: string, ...options: string[]): string[] {
  return [`--defaults-extra-file=${optionFile}`, '--default-character-set=utf8mb4', '--binary-mode', ...options];
}

/**
 * A version read in the last minute is reused: a job of many databases asked it once per
 * database, a process start each; a daemon still sees an upgraded tool a minute later.
 */
const VERSION_TTL_MS = 60_000;
const versions = new Map<string, { at: number; version: Promise<string> }>();

export function toolVersion(tool: string): Promise<string> {
  const cached = versions.get(tool);
  if (cached && Date.now() - cached.at < VERSION_TTL_MS) return cached.version;
  const version = readToolVersion(tool);
  versions.set(tool, { at: Date.now(), version });
  version.catch(() => versions.delete(tool));
  return version;
}

async function readToolVersion(tool: string): Promise<string> {
  const output = await runTool(tool, ['--version'], { label: `${tool} --version` });
  return (/Distrib\s+([0-9][^\s,]*)/.exec(output) ?? /Ver\s+([0-9][^\s,]*)/.exec(output))?.[1] ?? output.trim();
}

async function firstPresent(candidates: string[]): Promise<string> {
  for (const candidate of candidates) {
    try {
      await runTool(candidate, ['--version'], { label: candidate });
      return candidate;
    } catch {
      // try the next name
    }
  }
  throw new VyaError(`no dump tool found: tried ${candidates.join(', ')}`, { code: 'TOOL_MISSING', hint: 'install mariadb-client (or mysql-client), or set dump_tool and client_tool' });
}
