import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { VyaError } from '@vya/plugin-api';

/** How the server's host key is trusted: pinned fingerprints, a known_hosts file, or (opted out) not at all. */
export type HostKeyPolicy =
  | { kind: 'fingerprints'; fingerprints: string[] }
  | { kind: 'known-hosts'; path: string; text: string }
  | { kind: 'insecure-any' };

/** OpenSSH's fingerprint of a public key blob: `SHA256:` and unpadded base64, as `ssh-keygen -l` prints. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** A `host_key` from config in the one form compared: `SHA256:` plus unpadded base64. */
export function normalizeFingerprint(value: string): string {
  const match = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(value.trim());
  if (!match) {
    throw new VyaError(`host_key "${value}" is not an OpenSSH SHA256 fingerprint`, {
      code: 'BAD_CONFIG',
      exitCode: 2,
      hint: 'give it as `ssh-keygen -lf` prints it, e.g. SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg',
    });
  }
  return `SHA256:${match[1]}`;
}

/**
 * Undefined when `keyBlob` is trusted for host:port under `policy`, else the reason, as a
 * VyaError that names the fingerprint the server presented (as ssh does), never trusting it.
 */
export function verifyHostKey(policy: HostKeyPolicy, host: string, port: number, keyBlob: Buffer): VyaError | undefined {
  const presented = fingerprintOf(keyBlob);
  const where = port === 22 ? host : `[${host}]:${port}`;
  if (policy.kind === 'insecure-any') return undefined;
  if (policy.kind === 'fingerprints') {
    if (policy.fingerprints.includes(presented)) return undefined;
    return new VyaError(`host key of SFTP server ${where} does not match: it presented ${presented}, expected ${policy.fingerprints.join(' or ')}`, {
      code: 'HOST_KEY_MISMATCH',
      hint: 'someone may be intercepting the connection; if the server\'s key really changed, verify the new fingerprint out of band and update host_key',
    });
  }
  const entries = knownHostEntries(policy.text, host, port);
  if (entries.some((entry) => entry.marker === '@revoked' && entry.key.equals(keyBlob))) {
    return new VyaError(`host key ${presented} of SFTP server ${where} is marked @revoked in ${policy.path}`, { code: 'HOST_KEY_REVOKED', hint: 'the server must use another host key' });
  }
  const usable = entries.filter((entry) => entry.marker === undefined);
  if (usable.some((entry) => entry.key.equals(keyBlob))) return undefined;
  if (usable.length > 0) {
    return new VyaError(`host key of SFTP server ${where} does not match ${policy.path}: it presented ${presented}`, {
      code: 'HOST_KEY_MISMATCH',
      hint: 'someone may be intercepting the connection; if the server\'s key really changed, verify it out of band and fix the line in known_hosts',
    });
  }
  return new VyaError(`SFTP server ${where} is not in ${policy.path} (it presented ${presented})`, {
    code: 'HOST_KEY_UNKNOWN',
    hint: `add the server's key after checking its fingerprint out of band: ssh-keyscan${port === 22 ? '' : ` -p ${port}`} ${host} >> ${policy.path}`,
  });
}

interface KnownHostEntry {
  marker?: string;
  key: Buffer;
}

/** The lines of a known_hosts text that name host:port (plain, wildcard or hashed), with their key blobs. */
function knownHostEntries(text: string, host: string, port: number): KnownHostEntry[] {
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  const entries: KnownHostEntry[] = [];
  for (const rawLine of text.split('\n')) {
    const fields = rawLine.trim().split(/\s+/);
    if (fields[0] === '' || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    if (fields.length < 3 || marker === '@cert-authority') continue;
    if (!names.some((name) => hostsFieldMatches(fields[0], name))) continue;
    entries.push({ marker, key: Buffer.from(fields[2], 'base64') });
  }
  return entries;
}

/** sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT": comma-separated patterns, `!` negates, or one `|1|salt|hash`. */
function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globMatches(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}
