import { errorMessage, type PluginContext, type BackupStream, type BackupUnit, type CheckItem, type DrillCheckRequest, type DrillCheckResult, type DrillTarget, type RestoreOptions, type RestorePlan, type RestoreRequest, type RestoreResult, type Source } from '@vya/plugin-api';
import { withClient, type PostgresConnection } from './connection.js';
import { discoverDatabases, type DiscoveryOptions } from './discovery.js';
import { assertScratchFree, checkRestoredDatabase, dropScratchDatabase } from './drill.js';
import { dumpUnit } from './dump.js';
import { planDatabaseRestore, restoreDatabase, restoreGlobals, type RestoreContext } from './restore.js';
import { toolMajorVersion, versionGap, type PostgresTool } from './tools.js';

export interface PostgresSourceConfig extends DiscoveryOptions {
  connection: PostgresConnection;
  binDir?: string;
  privateTempDir: PluginContext['privateTempDir'];
}

/** A PostgreSQL server: each database is a unit (pg_dump custom format), plus the cluster globals. */
export class PostgresSource implements Source {
  private serverVersionPromise: Promise<string> | undefined;

  constructor(private readonly config: PostgresSourceConfig) {}

  async check(): Promise<CheckItem[]> {
    const items: CheckItem[] = [];
    let serverMajor: number | undefined;
    try {
      const version = await this.serverVersion();
      serverMajor = Number(version.split('.')[0]);
      items.push({ name: 'server', ok: true, detail: `PostgreSQL ${version} at ${this.config.connection.host}:${this.config.connection.port}` });
    } catch (error) {
      items.push({ name: 'server', ok: false, detail: errorMessage(error), hint: (error as { hint?: string }).hint });
    }
    const tools: PostgresTool[] = this.config.globals ? ['pg_dump', 'pg_restore', 'pg_dumpall', 'psql'] : ['pg_dump', 'pg_restore'];
    for (const tool of tools) items.push(await this.checkTool(tool, serverMajor));
    return items;
  }

  async discover(): Promise<BackupUnit[]> {
    return withClient(this.config.connection, this.config.connection.database, (client) => discoverDatabases(client, this.config));
  }

  backup(unit: BackupUnit, signal: AbortSignal): Promise<BackupStream> {
    return dumpUnit(unit, { connection: this.config.connection, binDir: this.config.binDir, serverVersion: () => this.serverVersion() }, signal);
  }

  async planRestore(unit: BackupUnit, options: RestoreOptions): Promise<RestorePlan> {
    // psql replays the globals statement by statement: verified first by the core.
    if (unit.kind === 'globals') return { waitsForCleanEnd: false };
    return planDatabaseRestore(unit, options, this.restoreContext());
  }

  restore(request: RestoreRequest, signal: AbortSignal): Promise<RestoreResult> {
    const context = this.restoreContext();
    return request.unit.kind === 'globals' ? restoreGlobals(request, context, signal) : restoreDatabase(request, context, signal);
  }

  cannotDrill(unit: BackupUnit): string | undefined {
    return unit.kind === 'globals' ? 'the cluster globals (roles) restore into the server itself, not into a scratch database' : undefined;
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

  private restoreContext(): RestoreContext {
    return { connection: this.config.connection, binDir: this.config.binDir, privateTempDir: this.config.privateTempDir };
  }

  private serverVersion(): Promise<string> {
    this.serverVersionPromise ??= withClient(this.config.connection, this.config.connection.database, async (client) => {
      const result = await client.query<{ server_version: string }>('SHOW server_version');
      return result.rows[0].server_version.split(' ')[0];
    });
    this.serverVersionPromise.catch(() => (this.serverVersionPromise = undefined));
    return this.serverVersionPromise;
  }

  private async checkTool(tool: PostgresTool, serverMajor: number | undefined): Promise<CheckItem> {
    try {
      const { version, major } = await toolMajorVersion(tool, this.config.binDir);
      const gap = serverMajor === undefined || tool === 'psql' ? undefined : versionGap(tool, major, serverMajor);
      return gap ? { name: tool, ok: false, detail: gap.message, hint: gap.hint } : { name: tool, ok: true, detail: `version ${version}` };
    } catch (error) {
      return { name: tool, ok: false, detail: errorMessage(error), hint: (error as { hint?: string }).hint };
    }
  }
}
