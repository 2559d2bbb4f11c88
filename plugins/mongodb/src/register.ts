import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type SourceDefinition } from '@vya/plugin-api';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    uri: { type: 'string', pattern: '^(mongodb(\\+srv)?://|secret:)', description: 'Connection string; may be a secret: reference (it can hold the password).' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string' },
    auth_source: { type: 'string', minLength: 1 },
    auth_mechanism: { enum: ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'MONGODB-X509', 'PLAIN', 'GSSAPI', 'MONGODB-AWS', 'MONGODB-OIDC'] },
    tls: { type: 'boolean' },
    tls_ca_file: { type: 'string', minLength: 1 },
    tls_certificate_key_file: { type: 'string', minLength: 1 },
    tls_allow_invalid_hostnames: { type: 'boolean' },
    tls_allow_invalid_certificates: { type: 'boolean' },
    replica_set: { type: 'string', minLength: 1 },
    direct_connection: { type: 'boolean' },
    server_selection_timeout_ms: { type: 'integer', minimum: 100 },
    include: globs,
    exclude: globs,
    db_ignore: { anyOf: [{ type: 'string' }, globs] },
    snapshot: { type: 'boolean', description: 'Read each database at one cluster time on replica sets and sharded clusters (default true).' },
    batch_size: { type: 'integer', minimum: 1 },
    temp_dir: { type: 'string', minLength: 1, description: 'Where collections are spilled before they enter the tar (default: the OS temp dir).' },
    concurrency: { type: 'integer', minimum: 1, maximum: 32 },
  },
} as const;

export const mongodbSourceDefinition: SourceDefinition<FromSchema<typeof configSchema>> = {
  type: 'mongodb',
  description: 'A MongoDB server, replica set or sharded cluster: every database as a mongodump-layout tar, through the official driver (no database tools needed).',
  configSchema,
  async create(config, context) {
    const uri = config.uri;
    const password = config.password;
    if (password) context.addSecret(password);
    // Loaded on first use: the driver costs start-up time to every command that never needs it.
    const [{ MongoSource }, { uriSecrets }] = await Promise.all([import('./mongodb-source.js'), import('./connection.js')]);
    if (uri) for (const secret of [uri, ...uriSecrets(uri)]) context.addSecret(secret);
    return new MongoSource({
      connection: {
        uri,
        host: config.host ?? '127.0.0.1',
        port: config.port ?? 27017,
        username: config.username,
        password,
        authSource: config.auth_source,
        authMechanism: config.auth_mechanism,
        tls: config.tls,
        tlsCAFile: config.tls_ca_file,
        tlsCertificateKeyFile: config.tls_certificate_key_file,
        tlsAllowInvalidHostnames: config.tls_allow_invalid_hostnames,
        tlsAllowInvalidCertificates: config.tls_allow_invalid_certificates,
        replicaSet: config.replica_set,
        directConnection: config.direct_connection,
        serverSelectionTimeoutMS: config.server_selection_timeout_ms,
      },
      include: config.include,
      exclude: config.exclude,
      dbIgnore: config.db_ignore,
      snapshot: config.snapshot !== false,
      batchSize: config.batch_size,
      tempDir: config.temp_dir !== undefined ? context.resolvePath(config.temp_dir) : undefined,
    });
  },
};

export default definePlugin({ sources: [mongodbSourceDefinition] });
