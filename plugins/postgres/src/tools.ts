import { join } from 'node:path';
import { runTool, VyaError } from '@vya/plugin-api';

export type PostgresTool = 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'psql';

/** The path of a client tool: from `bin_dir` when configured, else from PATH. */
export function toolPath(tool: PostgresTool, binDir?: string): string {
  return binDir ? join(binDir, tool) : tool;
}

type ToolVersion = { version: string; major: number };

/**
 * A version read in the last minute is reused: a job of 200 databases asked it 200 times, a
 * process start each (docs/performance.md); a daemon still sees an upgraded tool a minute later.
 */
const VERSION_TTL_MS = 60_000;
const versions = new Map<string, { at: number; version: Promise<ToolVersion> }>();

/** Major version of a client tool, from `pg_dump --version` ("pg_dump (PostgreSQL) 15.20 ..."). */
export function toolMajorVersion(tool: PostgresTool, binDir?: string): Promise<ToolVersion> {
  const path = toolPath(tool, binDir);
  const cached = versions.get(path);
  if (cached && Date.now() - cached.at < VERSION_TTL_MS) return cached.version;
  const version = readToolVersion(tool, binDir);
  versions.set(path, { at: Date.now(), version });
  version.catch(() => versions.delete(path));
  return version;
}

async function readToolVersion(tool: PostgresTool, binDir?: string): Promise<ToolVersion> {
  const output = await runTool(toolPath(tool, binDir), ['--version'], { label: `${tool} --version` });
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) throw new VyaError(`cannot read the version of ${tool} from "${output.trim()}"`, { code: 'TOOL_VERSION' });
  return { version: match[2] === undefined ? match[1] : `${match[1]}.${match[2]}`, major: Number(match[1]) };
}

/** pg_dump refuses servers newer than itself; say so before a run fails halfway. */
export function versionGap(tool: PostgresTool, toolMajor: number, serverMajor: number): VyaError | undefined {
  if (toolMajor >= serverMajor) return undefined;
  return new VyaError(`${tool} ${toolMajor} is older than the server (PostgreSQL ${serverMajor})`, {
    code: 'TOOL_TOO_OLD',
    hint: `install the PostgreSQL ${serverMajor} client tools (e.g. postgresql-client-${serverMajor}) and set bin_dir to their directory`,
  });
}
