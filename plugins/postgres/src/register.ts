import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type SourceDefinition } from '@vya/plugin-api';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

const configSchema = {
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
} as const;

// ajv does not fill in defaults (useDefaults: false): a defaulted property may be absent.
export const postgresSourceDefinition: SourceDefinition<FromSchema<typeof configSchema, { keepDefaultedPropertiesOptional: true }>> = {
  type: 'postgres',
  description: 'A PostgreSQL server: every database (pg_dump custom format) and optionally the cluster globals.',
  configSchema,
  async create(config, context) {
    if (typeof config.password === 'string' && config.password) context.addSecret(config.password);
    // Loaded on first use: the driver costs start-up time to every command that never needs it.
    const { PostgresSource } = await import('./postgres-source.js');
    return new PostgresSource({
      connection: {
        host: config.host ?? '127.0.0.1',
        port: config.port ?? 5432,
        username: config.username ?? 'postgres',
        password: config.password,
        database: config.database ?? 'postgres',
        sslmode: config.sslmode,
        sslrootcert: config.sslrootcert,
      },
      include: config.include,
      exclude: config.exclude,
      dbIgnore: config.db_ignore,
      globals: config.globals === true,
      binDir: config.bin_dir,
      privateTempDir: context.privateTempDir,
    });
  },
};

export default definePlugin({ sources: [postgresSourceDefinition] });
