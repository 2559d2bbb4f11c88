import { spawnStreaming, type BackupStream, type BackupUnit, type UnitMetadata } from '@vya/plugin-api';
import { connectionString, libpqEnv, withClient, type PostgresConnection } from './connection.js';
import { describeDatabase } from './discovery.js';
import { toolMajorVersion, toolPath } from './tools.js';

export interface DumpContext {
  connection: PostgresConnection;
  binDir?: string;
  serverVersion: () => Promise<string>;
}

/**
 * A database as `pg_dump --format=custom --compress=0` on stdout (the pipeline compresses);
 * the globals unit as `pg_dumpall --globals-only` SQL. `completed` resolves only once the tool
 * exited 0 and the manifest facts were read.
 */
export async function dumpUnit(unit: BackupUnit, context: DumpContext, signal: AbortSignal): Promise<BackupStream> {
  const globals = unit.kind === 'globals';
  const tool = globals ? 'pg_dumpall' : 'pg_dump';
  const args = globals ? ['--globals-only', '--no-password', `--database=${connectionString(context.connection.database)}`] : ['--format=custom', '--compress=0', '--no-password'];
  const database = globals ? context.connection.database : unit.name;
  const child = spawnStreaming(toolPath(tool, context.binDir), args, {
    env: libpqEnv(context.connection, database),
    signal,
    label: globals ? 'pg_dumpall --globals-only' : `pg_dump of database ${unit.name}`,
  });
  child.stdin.end();
  const facts = (async (): Promise<UnitMetadata> => {
    const [serverVersion, dumpTool, description] = await Promise.all([
      context.serverVersion(),
      toolMajorVersion(tool, context.binDir),
      globals ? Promise.resolve(undefined) : withClient(context.connection, unit.name, describeDatabase),
    ]);
    return { server_version: serverVersion, dump_tool: tool, dump_tool_version: dumpTool.version, database: globals ? undefined : unit.name, ...description };
  })();
  facts.catch(() => {});
  const completed = child.exited.then(() => facts);
  return { data: child.stdout, format: globals ? 'sql' : 'pgdump', completed };
}
