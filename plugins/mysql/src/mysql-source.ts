import { pipeline, Readable } from 'node:stream';
import {
  errorMessage,
  feedChild,
  spawnStreaming,
  VyaError,
  type BackupStream,
  type BackupUnit,
  type CheckItem,
  type DrillCheckRequest,
  type DrillCheckResult,
  type DrillTarget,
  type RestoreOptions,
  type RestorePlan,
  type PluginContext,
  type RestoreRequest,
  type RestoreResult,
  type Source,
  type UnitMetadata,
} from '@vya/plugin-api';
import { quoteIdentifier, withConnection, writeOptionFile, type MysqlConnection } from './connection.js';
import { discoverDatabases, serverFacts, type DiscoveryOptions } from './discovery.js';
import { assertScratchFree, checkRestoredDatabase, dropScratchDatabase } from './drill.js';
import { DumpRowCounter } from './dump-row-counter.js';
import { openCountingSnapshot, type CountedTables, type CountingSnapshot } from './snapshot-counts.js';
import { databaseContents } from './target-contents.js';
import { clientArgs, dumpArgs, findTools, toolVersion, type MysqlTools } from './tools.js';
import { dumpUsersAndGrants } from './users.js';

export interface MysqlSourceConfig extends DiscoveryOptions {
  connection: MysqlConnection;
  tools: Partial<MysqlTools>;
  userFilter?: string[];
  privateTempDir: PluginContext['privateTempDir'];
}

/** A MySQL or MariaDB server: each database is a unit (SQL from the dump tool), plus users and grants. */
export class MysqlSource implements Source {
  constructor(private readonly config: MysqlSourceConfig) {}

  async check(): Promise<CheckItem[]> {
    const items: CheckItem[] = [];
    try {
      const facts = await withConnection(this.config.connection, serverFacts);
      items.push({ name: 'server', ok: true, detail: `${facts.flavour === 'mariadb' ? 'MariaDB' : 'MySQL'} ${facts.version}` });
    } catch (error) {
      items.push({ name: 'server', ok: false, detail: errorMessage(error), hint: (error as { hint?: string }).hint });
    }
    try {
      const tools = await findTools(this.config.tools);
      items.push({ name: 'dump tool', ok: true, detail: `${tools.dump} ${await toolVersion(tools.dump)}` });
      items.push({ name: 'client tool', ok: true, detail: `${tools.client} ${await toolVersion(tools.client)}` });
    } catch (error) {
      items.push({ name: 'tools', ok: false, detail: errorMessage(error), hint: (error as { hint?: string }).hint });
    }
    return items;
  }

  discover(): Promise<BackupUnit[]> {
    return withConnection(this.config.connection, (db) => discoverDatabases(db, this.config));
  }

  async backup(unit: BackupUnit, signal: AbortSignal): Promise<BackupStream> {
    if (unit.kind === 'users') {
      const { sql, accounts, facts } = await withConnection(this.config.connection, async (db) => ({ ...(await dumpUsersAndGrants(db, this.config.userFilter)), facts: await serverFacts(db) }));
      return { data: Readable.from([Buffer.from(sql, 'utf8')]), format: 'sql', completed: Promise.resolve({ flavour: facts.flavour, server_version: facts.version, accounts }) };
    }
    const tools = await findTools(this.config.tools);
    const options = await writeOptionFile(this.config.connection, this.config.privateTempDir);
    try {
      const snapshot = await openCountingSnapshot(this.config.connection, unit.name);
      const child = startDump(tools.dump, dumpArgs(options.path, unit.name), { signal, label: `${tools.dump} of database ${unit.name}`, bufferStdout: true }, snapshot);
      child.stdin.end();
      const counter = new DumpRowCounter();
      const data = pipeline(child.stdout, counter, () => {});
      const facts = this.describe(unit.name, tools.dump, snapshot.facts(() => child.exited.then(() => counter.result)));
      facts.catch(() => {});
      facts.finally(snapshot.release).catch(() => {});
      child.exited.catch(snapshot.release);
      const completed = child.exited.then(() => facts).finally(() => options.remove());
      return { data, format: 'sql', completed };
    } catch (error) {
      await options.remove();
      throw error;
    }
  }

  /**
   * The client runs the dump statement by statement and MySQL commits DDL at once: nothing
   * rolls back, so the core verifies the whole snapshot first. A database that holds objects
   * is replaced only with `clean` (the dump's own DROP TABLE statements would do it silently).
   */
  async planRestore(unit: BackupUnit, options: RestoreOptions): Promise<RestorePlan> {
    if (unit.kind === 'users') return { waitsForCleanEnd: false };
    const target = options.database ?? unit.name;
    const contents = await withConnection(this.config.connection, (db) => databaseContents(db, target));
    if (contents && contents.length > 0 && !options.clean) {
      throw new VyaError(`database ${target} on ${this.where()} holds ${contents.join(', ')}; pass --clean to replace them`, {
        code: 'RESTORE_TARGET_NOT_EMPTY',
        exitCode: 2,
        hint: `or restore under another name with --database ${target}_restored`,
      });
    }
    return { waitsForCleanEnd: false };
  }

  async restore(request: RestoreRequest, signal: AbortSignal): Promise<RestoreResult> {
    if (request.unit.kind === 'users') return this.restoreUsers(request, signal);
    const target = request.options.database ?? request.unit.name;
    await this.planRestore(request.unit, request.options);
    const exists = (await withConnection(this.config.connection, (db) => databaseContents(db, target))) !== undefined;
    if (request.options.dryRun) {
      const tables = (request.metadata.tables as unknown[] | undefined)?.length;
      return { summary: `would load ${request.unit.name}${tables === undefined ? '' : ` (${tables} table${tables === 1 ? '' : 's'})`} into ${exists ? 'the existing' : 'a new'} database ${target}` };
    }
    if (!exists) await withConnection(this.config.connection, (db) => db.query(`CREATE DATABASE ${quoteIdentifier(target)} CHARACTER SET utf8mb4`));
    try {
      await this.runClient(request.data, [`--database=${target}`], `loading ${request.unit.name} into ${target}`, signal);
    } catch (error) {
      throw await this.failedRestore(error, target, !exists);
    }
    return { summary: `restored ${request.unit.name} into database ${target}${exists ? '' : ' (created)'}`, details: { database: target, created: !exists } };
  }

  /** The error of a failed load, saying what became of the target database. */
  private async failedRestore(error: unknown, target: string, created: boolean): Promise<VyaError> {
    const message = errorMessage(error);
    const code = (error as { code?: string }).code ?? 'RESTORE_FAILED';
    if (created) {
      try {
        await withConnection(this.config.connection, (db) => db.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(target)}`));
        return new VyaError(`${message}; database ${target}, which this restore created, was dropped again`, { code, cause: error });
      } catch (dropError) {
        return new VyaError(`${message}; database ${target} was created by this restore and could not be dropped again: ${errorMessage(dropError)}`, { code, cause: error, hint: `drop it by hand: DROP DATABASE \`${target}\`` });
      }
    }
    const line = /at line (\d+)/.exec(message)?.[1];
    const applied = line ? `the dump's statements before line ${line} were applied` : 'the statements that ran before the failure were applied';
    return new VyaError(`${message}; database ${target} was partly changed: ${applied} (MySQL commits DDL at once, nothing rolls back)`, {
      code,
      cause: error,
      hint: 'fix the cause and restore again (with --clean, the snapshot replaces what was changed)',
    });
  }

  cannotDrill(unit: BackupUnit): string | undefined {
    return unit.kind === 'users' ? 'users and grants restore into the server itself, not into a scratch database' : undefined;
  }

  assertScratchFree(database: string): Promise<void> {
    return assertScratchFree(this.config.connection, database);
  }

  drillCheck(request: DrillCheckRequest): Promise<DrillCheckResult> {
    return checkRestoredDatabase(this.config.connection, request);
  }

  dropScratch(target: DrillTarget): Promise<void> {
    return dropScratchDatabase(this.config.connection, target);
  }

  private where(): string {
    const connection = this.config.connection;
    return connection.socket ?? `${connection.host}:${connection.port}`;
  }

  private async restoreUsers(request: RestoreRequest, signal: AbortSignal): Promise<RestoreResult> {
    if (request.options.dryRun) {
      const chunks: Buffer[] = [];
      for await (const chunk of request.data) chunks.push(chunk as Buffer);
      const sql = Buffer.concat(chunks).toString('utf8');
      return { summary: sql.trimEnd(), details: { sql, statements: sql.split('\n').filter((line) => line.endsWith(';')).length } };
    }
    await this.runClient(request.data, [], 'restoring users and grants', signal);
    return { summary: `restored users and grants (${String((request.metadata.accounts as string[] | undefined)?.length ?? '?')} accounts)` };
  }

  private async runClient(data: Readable, args: string[], label: string, signal: AbortSignal): Promise<void> {
    const tools = await findTools(this.config.tools);
    const options = await writeOptionFile(this.config.connection, this.config.privateTempDir);
    try {
      const child = spawnStreaming(tools.client, clientArgs(options.path, ...args), { signal, label: `${tools.client}: ${label}` });
      child.stdout.resume();
      await feedChild(child, data);
    } finally {
      await options.remove();
    }
  }

  private async describe(database: string, dumpTool: string, counted: Promise<CountedTables>): Promise<UnitMetadata> {
    const [server, { tables, row_counts }, version] = await Promise.all([withConnection(this.config.connection, serverFacts), counted, toolVersion(dumpTool)]);
    return { flavour: server.flavour, server_version: server.version, dump_tool: dumpTool, dump_tool_version: version, database, tables, row_counts };
  }
}

/** Spawns the dump tool; a failure to start ends the counting snapshot's transaction too. */
function startDump(command: string, args: string[], options: Parameters<typeof spawnStreaming>[2], snapshot: CountingSnapshot): ReturnType<typeof spawnStreaming> {
  try {
    return spawnStreaming(command, args, options);
  } catch (error) {
    snapshot.release();
    throw error;
  }
}
