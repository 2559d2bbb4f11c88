import type { FromSchema } from 'json-schema-to-ts';
import { VyaError, definePlugin, type SinkDefinition } from '@vya/plugin-api';
import { normalizeFingerprint } from './host-key.js';
import type { HostKeySetting } from './sftp-sink.js';

const secret = { type: 'string', minLength: 1 } as const;

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['host', 'username', 'path'],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    username: { type: 'string', minLength: 1 },
    path: { type: 'string', minLength: 1, description: 'Repository directory on the server; a relative one (or ~/...) is relative to the login directory.' },
    password: secret,
    private_key: { ...secret, description: 'The private key itself (OpenSSH or PEM), usually "secret:NAME.FIELD".' },
    passphrase: secret,
    host_key: {
      description: 'The server\'s host key fingerprint(s), as ssh-keygen -l prints them (SHA256:...).',
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }],
    },
    known_hosts: { type: 'string', minLength: 1, description: 'An OpenSSH known_hosts file that lists the server.' },
    insecure_accept_any_host_key: { type: 'boolean', description: 'Skip host key verification (anyone in the path can read and change the backups).' },
    connect_timeout_seconds: { type: 'integer', minimum: 1, maximum: 600 },
  },
  dependentRequired: { passphrase: ['private_key'] },
} as const;

type SftpConfig = FromSchema<typeof configSchema>;

export const sftpSinkDefinition: SinkDefinition<SftpConfig> = {
  type: 'sftp',
  description: 'A directory on an SSH server, over SFTP (OpenSSH or any SFTP v3 server).',
  configSchema,
  async create(config, context) {
    for (const value of [config.password, config.private_key, config.passphrase]) if (typeof value === 'string') context.addSecret(value);
    if (config.password === undefined && config.private_key === undefined) {
      throw configError(context.name, 'needs password or private_key', 'e.g. private_key: "secret:backup-host.key" (see docs/sink-sftp.md)');
    }
    const hostKey = hostKeySetting(config, context.name, context.resolvePath);
    if (hostKey.kind === 'insecure-any') context.logger.warn(`sink ${context.name}: the SFTP server's host key is not verified (insecure_accept_any_host_key)`);
    const { SftpSink } = await import('./sftp-sink.js');
    return new SftpSink({
      host: config.host,
      port: config.port ?? 22,
      username: config.username,
      password: config.password,
      privateKey: config.private_key,
      passphrase: config.passphrase,
      hostKey,
      root: remotePath(config.path),
      connectTimeoutMs: (config.connect_timeout_seconds ?? 20) * 1000,
    });
  },
};

/** Exactly one source of trust for the host key: never none by accident. */
function hostKeySetting(config: SftpConfig, name: string, resolvePath: (path: string) => string): HostKeySetting {
  const given = (['host_key', 'known_hosts', 'insecure_accept_any_host_key'] as const).filter((field) => config[field] !== undefined && config[field] !== false);
  if (given.length === 0) {
    throw configError(name, 'needs host_key or known_hosts to verify the server', 'get the fingerprint on the server with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub and set host_key: "SHA256:..."');
  }
  if (given.length > 1) throw configError(name, `has ${given.join(' and ')}: set only one`, 'host_key pins fingerprints; known_hosts names a file');
  if (config.host_key !== undefined) {
    const values = Array.isArray(config.host_key) ? config.host_key : [config.host_key];
    return { kind: 'fingerprints', fingerprints: values.map((value) => normalizeFingerprint(value)) };
  }
  if (config.known_hosts !== undefined) {
    return { kind: 'known-hosts', path: resolvePath(config.known_hosts) };
  }
  return { kind: 'insecure-any' };
}

/** SFTP resolves relative paths from the login directory, which is what `~/` means to a user. */
function remotePath(path: string): string {
  return path === '~' ? '.' : path.replace(/^~\//, '');
}

function configError(name: string, problem: string, hint: string): VyaError {
  return new VyaError(`sink ${name} (sftp) ${problem}`, { code: 'BAD_CONFIG', exitCode: 2, hint });
}

export default definePlugin({ sinks: [sftpSinkDefinition] });
