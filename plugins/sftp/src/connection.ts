import ssh2 from 'ssh2';
import type { ConnectConfig, SFTPWrapper } from 'ssh2';
import { VyaError, unreachableError } from '@vya/plugin-api';
import { fingerprintOf, verifyHostKey, type HostKeyPolicy } from './host-key.js';

export interface ServerOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  hostKey: HostKeyPolicy;
  /** How long connecting and logging in may take. */
  connectTimeoutMs: number;
}

/** One logged-in SSH connection with its SFTP channel; `lost` once the connection is gone. */
export class Connection {
  lost = false;
  private readonly dropped = new AbortController();
  /** Aborts when the connection is gone, so a transfer waiting on its data stops at once. */
  readonly lostSignal: AbortSignal = this.dropped.signal;

  constructor(
    readonly sftp: SFTPWrapper,
    readonly hostKeyFingerprint: string,
    private readonly client: InstanceType<typeof ssh2.Client>,
  ) {
    client.on('close', () => this.markLost());
  }

  end(): void {
    this.markLost();
    this.client.end();
  }

  private markLost(): void {
    this.lost = true;
    this.dropped.abort(new Error('the SFTP connection was lost'));
  }
}

export function describeServer(options: Pick<ServerOptions, 'host' | 'port'>): string {
  return `${options.host}:${options.port}`;
}

/** Connects, verifies the host key, logs in and opens the SFTP subsystem; every failure as one readable VyaError. */
export function connect(options: ServerOptions): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyRejection: VyaError | undefined;
    let fingerprint = '';
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(hostKeyRejection ?? connectError(error, options));
    };
    client.on('error', fail);
    client.on('close', () => fail(new Error('the server closed the connection during login')));
    client.on('ready', () => {
      client.sftp((error, sftp) => {
        if (error) return fail(error);
        settled = true;
        resolve(new Connection(sftp, fingerprint, client));
      });
    });
    const config: ConnectConfig = {
      host: options.host,
      port: options.port,
      username: options.username,
      password: options.password,
      privateKey: options.privateKey,
      passphrase: options.passphrase,
      readyTimeout: options.connectTimeoutMs,
      // A server that vanishes without closing the TCP connection is noticed within a minute.
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        fingerprint = fingerprintOf(key);
        hostKeyRejection = verifyHostKey(options.hostKey, options.host, options.port, key);
        return hostKeyRejection === undefined;
      },
    };
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 throws here for a private key it cannot parse (or decrypt).
      fail(error);
    }
  });
}

function connectError(error: unknown, options: ServerOptions): VyaError {
  if (error instanceof VyaError) return error;
  const where = `SFTP server ${describeServer(options)}`;
  const e = error as { level?: string; message?: string };
  const message = e.message ?? String(error);
  const unreachable = unreachableError(error, where, options.host);
  if (unreachable) return new VyaError(unreachable.message, { code: 'UNREACHABLE', hint: 'check the sink\'s host and port, and that sshd runs there' });
  if (e.level === 'client-authentication') {
    return new VyaError(`${where} rejected the login of user "${options.username}"`, {
      code: 'AUTH_FAILED',
      hint: 'check username and the password or private_key (vya secrets get NAME), and that the server allows that method',
    });
  }
  if (e.level === 'client-timeout') return new VyaError(`cannot reach ${where}: no answer in time`, { code: 'UNREACHABLE', hint: 'check host, port and firewalls' });
  if (/privateKey|private key|passphrase/i.test(message)) {
    return new VyaError(`cannot use the SFTP private key: ${message.replace(/^Cannot parse privateKey: /, '')}`, {
      code: 'BAD_KEY',
      hint: 'private_key must be an OpenSSH or PEM private key; an encrypted one needs passphrase',
    });
  }
  if (/subsystem|sftp/i.test(message)) return new VyaError(`${where} offers no SFTP: ${message}`, { code: 'SFTP_ERROR', hint: 'enable the sftp subsystem in the server\'s sshd_config' });
  return new VyaError(`cannot connect to ${where}: ${message}`, { code: 'UNREACHABLE', hint: 'check host, port and the server\'s logs' });
}
