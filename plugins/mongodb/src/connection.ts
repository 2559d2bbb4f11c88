import { MongoClient, type MongoClientOptions } from 'mongodb';
import { unreachableError, VyaError } from '@vya/plugin-api';

export interface MongoConnection {
  /** A full connection string; host/port/credentials below are ignored when it is set. */
  uri?: string;
  host: string;
  port: number;
  username?: string;
  password?: string;
  authSource?: string;
  authMechanism?: string;
  tls?: boolean;
  tlsCAFile?: string;
  tlsCertificateKeyFile?: string;
  tlsAllowInvalidHostnames?: boolean;
  tlsAllowInvalidCertificates?: boolean;
  replicaSet?: string;
  directConnection?: boolean;
  serverSelectionTimeoutMS?: number;
}

/**
 * A driver client for the configured server. Credentials go into the client options, never
 * into a string that could be logged; the connection string (which may hold them) is only
 * handed to the driver.
 */
export function createClient(connection: MongoConnection): MongoClient {
  const options: MongoClientOptions = {
    serverSelectionTimeoutMS: connection.serverSelectionTimeoutMS ?? 10_000,
    appName: 'vya',
    // Documents are copied as they are: no key checks, no _id added by the client.
    ignoreUndefined: false,
  };
  if (connection.username !== undefined) options.auth = { username: connection.username, password: connection.password };
  if (connection.authSource) options.authSource = connection.authSource;
  if (connection.authMechanism) options.authMechanism = connection.authMechanism as MongoClientOptions['authMechanism'];
  if (connection.tls !== undefined) options.tls = connection.tls;
  if (connection.tlsCAFile) options.tlsCAFile = connection.tlsCAFile;
  if (connection.tlsCertificateKeyFile) options.tlsCertificateKeyFile = connection.tlsCertificateKeyFile;
  if (connection.tlsAllowInvalidHostnames !== undefined) options.tlsAllowInvalidHostnames = connection.tlsAllowInvalidHostnames;
  if (connection.tlsAllowInvalidCertificates !== undefined) options.tlsAllowInvalidCertificates = connection.tlsAllowInvalidCertificates;
  if (connection.replicaSet) options.replicaSet = connection.replicaSet;
  if (connection.directConnection !== undefined) options.directConnection = connection.directConnection;
  const uri = connection.uri ?? `mongodb://${hostPort(connection.host, connection.port)}/`;
  try {
    return new MongoClient(uri, options);
  } catch (error) {
    // The driver's parse errors can quote the string; say what is wrong without it.
    throw new VyaError(`invalid MongoDB connection settings: ${scrub((error as Error).message, connection)}`, { code: 'CONFIG_INVALID', hint: 'check sources.<name>.uri (mongodb:// or mongodb+srv://) and its options' });
  }
}

/** Where the server is, for messages: the hosts of the connection string, without credentials. */
export function describeServer(connection: MongoConnection): { where: string; host: string } {
  if (!connection.uri) return { where: `MongoDB at ${hostPort(connection.host, connection.port)}`, host: connection.host };
  const match = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/.exec(connection.uri);
  const hosts = match?.[1] || 'the configured uri';
  return { where: `MongoDB at ${hosts}`, host: hosts.split(',')[0].replace(/:\d+$/, '') };
}

/** The password part of a connection string, raw and decoded, for the redactor. */
export function uriSecrets(uri: string): string[] {
  const match = /^mongodb(?:\+srv)?:\/\/([^@/]*)@/.exec(uri);
  const userinfo = match?.[1];
  if (!userinfo || !userinfo.includes(':')) return [];
  const raw = userinfo.slice(userinfo.indexOf(':') + 1);
  const secrets = [raw];
  try {
    secrets.push(decodeURIComponent(raw));
  } catch {
    // not valid percent-encoding: the driver will reject it, the raw form is already listed
  }
  return secrets.filter((s) => s.length > 0);
}

export async function withClient<T>(connection: MongoConnection, work: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = createClient(connection);
  try {
    await client.connect();
    return await work(client);
  } catch (error) {
    throw describeMongoError(error, connection);
  } finally {
    await client.close().catch(() => {});
  }
}

export function describeMongoError(error: unknown, connection: MongoConnection): Error {
  if (error instanceof VyaError) return error;
  const { where, host } = describeServer(connection);
  const e = error as { name?: string; code?: number | string; codeName?: string; message?: string; cause?: unknown; reason?: unknown };
  const cause = findNetworkCause(error);
  const unreachable = cause ? unreachableError(cause, where, host) : undefined;
  if (unreachable) return unreachable;
  if (e.name === 'MongoServerSelectionError') {
    return new VyaError(`cannot reach ${where}: ${scrub(e.message ?? 'no server selected', connection)}`, { code: 'UNREACHABLE', hint: 'is the server running, and do host, port, TLS and replica set settings match it?' });
  }
  if (e.code === 18 || e.codeName === 'AuthenticationFailed' || /Authentication failed/i.test(e.message ?? '')) {
    return new VyaError(`${where}: authentication failed${connection.username ? ` for user "${connection.username}"` : ''}`, { code: 'AUTH_FAILED', hint: 'check the username, the password secret (vya secrets get NAME), authSource and authMechanism' });
  }
  if (e.code === 13 || e.codeName === 'Unauthorized') {
    return new VyaError(`${where}: not authorized: ${scrub(e.message ?? '', connection)}`, { code: 'NOT_AUTHORIZED', hint: 'grant the backup role (backups) or the restore role (restores); see docs/mongodb.md' });
  }
  return new VyaError(`${where}: ${scrub(e.message ?? String(error), connection)}`, { code: 'MONGODB_ERROR', hint: 'run vya check for details' });
}

function findNetworkCause(error: unknown): { code?: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return current as { code: string };
    const message = (current as { message?: string }).message ?? '';
    const inMessage = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT)\b/.exec(message);
    if (inMessage) return { code: inMessage[1] };
    const reason = (current as { reason?: { servers?: Map<string, { error?: unknown }> } }).reason;
    const serverError = reason?.servers ? [...reason.servers.values()].find((s) => s.error)?.error : undefined;
    current = (current as { cause?: unknown }).cause ?? serverError;
  }
  return undefined;
}

/** Removes the connection string and password from a driver message. */
function scrub(message: string, connection: MongoConnection): string {
  let text = message;
  const secrets = [connection.uri, connection.password, ...(connection.uri ? uriSecrets(connection.uri) : [])].filter((s): s is string => !!s);
  for (const secret of secrets) text = text.split(secret).join('***');
  return text;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}
