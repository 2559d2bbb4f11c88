import { definePlugin, type SourceDefinition } from '@vya/plugin-api';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } };

export const postgresSourceDefinition: SourceDefinition = {
  type: 'postgres',
  description: 'A PostgreSQL server: every database (pg_dump custom format) and optionally the cluster globals.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', minLength: 1, default: '127.0.0.1' },
      port: { type: 'integer', minimum: 1, maximum: 65535 },
      username: { type: 'string', minLength: 1 },
      password: { type: 'string' },
      database: { type: 'string', minLength: 1, description: 'Maintenance database to connect to (default postgres).' },
      sslmode: { enum: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] },
      sslrootcert: { type: 'string', minLength: 1 },
      include: globs,
      exclude: globs,
      db_ignore: { anyOf: [{ type: 'string' }, globs] },
      globals: { type: 'boolean' },
      concurrency: { type: 'integer', minimum: 1, maximum: 32 },
      bin_dir: { type: 'string', minLength: 1, description: 'Directory of pg_dump, pg_restore, pg_dumpall and psql (default: PATH).' },
    },
  },
  async create(config, context) {
    if (typeof config.password === 'string' && config.password) context.addSecret(config.password);
    // Loaded on first use: the driver costs start-up time to every command that never needs it.
    const { PostgresSource } = await import('./postgres-source.js');
    return new PostgresSource({
      connection: {
        host: (config.host as string | undefined) ?? '127.0.0.1',
        port: (config.port as number | undefined) ?? 5432,
        username: (config.username as string | undefined) ?? 'postgres',
        password: config.password as string | undefined,
        database: (config.database as string | undefined) ?? 'postgres',
        sslmode: config.sslmode as string | undefined,
        sslrootcert: config.sslrootcert as string | undefined,
      },
      include: config.include as string[] | undefined,
      exclude: config.exclude as string[] | undefined,
      dbIgnore: config.db_ignore as string | string[] | undefined,
      globals: config.globals === true,
      binDir: config.bin_dir as string | undefined,
      privateTempDir: context.privateTempDir,
    });
  },
};

export default definePlugin({ sources: [postgresSourceDefinition] });
