import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  errorMessage,
  spawnStreaming,
  type BackupStream,
  type BackupUnit,
  type CheckItem,
  type PluginContext,
  type RestoreRequest,
  type RestoreResult,
  type Source,
  type UnitMetadata,
} from 'vya/plugin-api';
import { quoteIdentifier, withConnection, writeOptionFile, type MysqlConnection } from './connection.js';
import { describeTables, discoverDatabases, serverFacts, type DiscoveryOptions } from './discovery.js';
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
      const child = spawnStreaming(tools.dump, dumpArgs(options.path, unit.name), { signal, label: `${tools.dump} of database ${unit.name}` });
      child.stdin.end();
      const facts = this.describe(unit.name, tools.dump);
      facts.catch(() => {});
      const completed = child.exited.then(() => facts).finally(() => options.remove());
      return { data: child.stdout, format: 'sql', completed };
    } catch (error) {
      await options.remove();
      throw error;
    }
  }

  async restore(request: RestoreRequest, signal: AbortSignal): Promise<RestoreResult> {
    if (request.unit.kind === 'users') return this.restoreUsers(request, signal);
    const target = request.options.database ?? request.unit.name;
    if (request.options.dryRun) return { summary: `would load ${request.unit.name} into database ${target}` };
    await withConnection(this.config.connection, (db) => db.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(target)} CHARACTER SET utf8mb4`));
    await this.runClient(request.data, [`--database=${target}`], `loading ${request.unit.name} into ${target}`, signal);
    return { summary: `restored ${request.unit.name} into database ${target}`, details: { database: target } };
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
      await Promise.all([pipeline(data, child.stdin, { signal }), child.exited]);
    } finally {
      await options.remove();
    }
  }

  private async describe(database: string, dumpTool: string): Promise<UnitMetadata> {
    const [server, tables, version] = await Promise.all([
      withConnection(this.config.connection, serverFacts),
      withConnection(this.config.connection, (db) => describeTables(db, database)),
      toolVersion(dumpTool),
    ]);
    return { flavour: server.flavour, server_version: server.version, dump_tool: dumpTool, dump_tool_version: version, database, tables };
  }
}
