import { pipeline, type Readable } from 'node:stream';
import { spawnStreaming, type BackupStream, type BackupUnit, type UnitMetadata } from '@vya/plugin-api';
import { ArchiveRowCounter } from './archive-row-counter.js';
import { connectionString, libpqEnv, type PostgresConnection } from './connection.js';
import { exportSnapshot, type ExportedSnapshot } from './snapshot-counts.js';
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
  const snapshot = globals ? undefined : await exportSnapshot(context.connection, unit.name);
  if (snapshot) args.push(`--snapshot=${snapshot.id}`);
  const child = startDump(toolPath(tool, context.binDir), args, {
    env: libpqEnv(context.connection, database),
    signal,
    label: globals ? 'pg_dumpall --globals-only' : `pg_dump of database ${unit.name}`,
    bufferStdout: true,
  }, snapshot);
  child.stdin.end();
  const counted = snapshot && countRowsAsTheyStream(child, snapshot);
  const data = counted?.data ?? child.stdout;
  const facts = (async (): Promise<UnitMetadata> => {
    const [serverVersion, dumpTool, description] = await Promise.all([context.serverVersion(), toolMajorVersion(tool, context.binDir), counted?.facts]);
    return { server_version: serverVersion, dump_tool: tool, dump_tool_version: dumpTool.version, database: globals ? undefined : unit.name, ...description };
  })();
  facts.catch(() => {});
  facts.finally(snapshot?.release).catch(() => {});
  child.exited.catch(snapshot?.release);
  const completed = child.exited.then(() => facts);
  return { data, format: globals ? 'sql' : 'pgdump', completed };
}

/** pg_dump's output through the row counter; the snapshot's facts take its counts once pg_dump exited. */
function countRowsAsTheyStream(child: ReturnType<typeof spawnStreaming>, snapshot: ExportedSnapshot): { data: Readable; facts: ReturnType<ExportedSnapshot['facts']> } {
  const counter = new ArchiveRowCounter();
  const data = pipeline(child.stdout, counter, () => {});
  return { data, facts: snapshot.facts(() => child.exited.then(() => counter.result)) };
}

/** Spawns the dump tool; a failure to start ends the exported snapshot's transaction too. */
function startDump(command: string, args: string[], options: Parameters<typeof spawnStreaming>[2], snapshot: ExportedSnapshot | undefined): ReturnType<typeof spawnStreaming> {
  try {
    return spawnStreaming(command, args, options);
  } catch (error) {
    snapshot?.release();
    throw error;
  }
}
