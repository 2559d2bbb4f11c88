import { definePlugin, type SourceDefinition } from '@vya/plugin-api';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } };

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string' },
    socket: { type: 'string', minLength: 1 },
    ssl: { type: 'object', additionalProperties: false, properties: { ca: { type: 'string' }, reject_unauthorized: { type: 'boolean' } } },
    include: globs,
    exclude: globs,
    db_ignore: { anyOf: [{ type: 'string' }, globs] },
    include_mysql_schema: { type: 'boolean' },
    users: { type: 'boolean' },
    user_filter: globs,
    concurrency: { type: 'integer', minimum: 1, maximum: 32 },
    dump_tool: { type: 'string', minLength: 1 },
    client_tool: { type: 'string', minLength: 1 },
  },
};

function definition(type: string): SourceDefinition {
  return {
    type,
    description: 'A MySQL or MariaDB server: every database as SQL (mariadb-dump/mysqldump), plus users and grants.',
    configSchema: schema,
    async create(config, context) {
      if (typeof config.password === 'string' && config.password) context.addSecret(config.password);
      const ssl = config.ssl as { ca?: string; reject_unauthorized?: boolean } | undefined;
      // Loaded on first use: the driver costs start-up time to every command that never needs it.
      const { MysqlSource } = await import('./mysql-source.js');
      return new MysqlSource({
        connection: {
          host: (config.host as string | undefined) ?? '127.0.0.1',
          port: (config.port as number | undefined) ?? 3306,
          username: (config.username as string | undefined) ?? 'root',
          password: config.password as string | undefined,
          socket: config.socket as string | undefined,
          ssl: ssl ? { ca: ssl.ca, rejectUnauthorized: ssl.reject_unauthorized ?? true } : undefined,
        },
        include: config.include as string[] | undefined,
        exclude: config.exclude as string[] | undefined,
        dbIgnore: config.db_ignore as string | string[] | undefined,
        includeMysqlSchema: config.include_mysql_schema === true,
        users: config.users === true,
        userFilter: config.user_filter as string[] | undefined,
        tools: { dump: config.dump_tool as string | undefined, client: config.client_tool as string | undefined },
        privateTempDir: context.privateTempDir,
      });
    },
  };
}

export const mysqlSourceDefinition = definition('mysql');
export const mariadbSourceDefinition = definition('mariadb');

export default definePlugin({ sources: [mysqlSourceDefinition, mariadbSourceDefinition] });
