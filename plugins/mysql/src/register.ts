import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type SourceDefinition } from '@vya/plugin-api';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

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
} as const;

function definition(type: string): SourceDefinition<FromSchema<typeof schema>> {
  return {
    type,
    description: 'A MySQL or MariaDB server: every database as SQL (mariadb-dump/mysqldump), plus users and grants.',
    configSchema: schema,
    async create(config, context) {
      if (config.password) context.addSecret(config.password);
      const ssl = config.ssl;
      // Loaded on first use: the driver costs start-up time to every command that never needs it.
      const { MysqlSource } = await import('./mysql-source.js');
      return new MysqlSource({
        connection: {
          host: config.host ?? '127.0.0.1',
          port: config.port ?? 3306,
          username: config.username ?? 'root',
          password: config.password,
          socket: config.socket,
          ssl: ssl ? { ca: ssl.ca, rejectUnauthorized: ssl.reject_unauthorized ?? true } : undefined,
        },
        include: config.include,
        exclude: config.exclude,
        dbIgnore: config.db_ignore,
        includeMysqlSchema: config.include_mysql_schema === true,
        users: config.users === true,
        userFilter: config.user_filter,
        tools: { dump: config.dump_tool, client: config.client_tool },
        privateTempDir: context.privateTempDir,
      });
    },
  };
}

export const mysqlSourceDefinition = definition('mysql');
export const mariadbSourceDefinition = definition('mariadb');

export default definePlugin({ sources: [mysqlSourceDefinition, mariadbSourceDefinition] });
