import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { expect } from 'chai';
import { resolveConfigPath, type PluginContext } from '@vya/plugin-api';
import { fingerprintOf, verifyHostKey } from '../src/host-key.js';
import { sftpSinkDefinition } from '../src/register.js';
import type { SftpSink } from '../src/sftp-sink.js';

const fingerprint = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;

function contextRecording() {
  const secrets: string[] = [];
  const warnings: string[] = [];
  const context: PluginContext = {
    name: 'remote',
    configDir: '/etc/vya',
    resolvePath: (path) => resolveConfigPath('/etc/vya', path),
    stateDir: '/tmp/vya-state',
    addSecret: (value) => secrets.push(value),
    logger: { debug() {}, info() {}, warn: (line) => warnings.push(line), error() {} },
    privateTempDir: () => Promise.reject(new Error('not used')),
  };
  return { context, secrets, warnings };
}

async function created(config: Record<string, unknown>) {
  const recording = contextRecording();
  const sink = (await sftpSinkDefinition.create({ host: 'h', username: 'u', path: 'repo', ...config }, recording.context)) as SftpSink;
  return { sink, ...recording };
}

async function refused(config: Record<string, unknown>): Promise<string> {
  const error = await created(config).then(
    () => undefined,
    (e: Error) => e,
  );
  expect(error, JSON.stringify(config)).to.be.instanceOf(Error);
  return error!.message;
}

describe('sftp sink config', () => {
  it('registers the password, key and passphrase as secrets, and defaults the port to 22', async () => {
    const { sink, secrets } = await created({ password: 'pw1', private_key: 'KEY TEXT', passphrase: 'pp1', host_key: fingerprint });
    expect(secrets).to.deep.equal(['pw1', 'KEY TEXT', 'pp1']);
    expect(sink.options.port).to.equal(22);
    expect(sink.options.hostKey).to.deep.equal({ kind: 'fingerprints', fingerprints: [fingerprint] });
  });

  it('takes path ~/x as x, from the login directory', async () => {
    expect((await created({ password: 'x', host_key: fingerprint, path: '~/backups/vya/' })).sink.root).to.equal('backups/vya');
    expect((await created({ password: 'x', host_key: fingerprint, path: '~' })).sink.root).to.equal('.');
    expect((await created({ password: 'x', host_key: fingerprint, path: '/srv/vya' })).sink.root).to.equal('/srv/vya');
  });

  it('needs a way to log in', async () => {
    expect(await refused({ host_key: fingerprint })).to.equal('sink remote (sftp) needs password or private_key');
  });

  it('needs exactly one source of trust for the host key, and a well-formed fingerprint', async () => {
    expect(await refused({ password: 'x' })).to.equal('sink remote (sftp) needs host_key or known_hosts to verify the server');
    expect(await refused({ password: 'x', host_key: fingerprint, known_hosts: 'kh' })).to.equal('sink remote (sftp) has host_key and known_hosts: set only one');
    expect(await refused({ password: 'x', host_key: 'MD5:aa:bb' })).to.equal('host_key "MD5:aa:bb" is not an OpenSSH SHA256 fingerprint');
    // A fingerprint pasted with its base64 padding is the same fingerprint.
    const { sink } = await created({ password: 'x', host_key: [`${fingerprint}=`] });
    expect(sink.options.hostKey).to.deep.equal({ kind: 'fingerprints', fingerprints: [fingerprint] });
  });

  it('resolves known_hosts against the config file and ~', async () => {
    expect((await created({ password: 'x', known_hosts: 'known_hosts' })).sink.options.hostKey).to.deep.equal({ kind: 'known-hosts', path: '/etc/vya/known_hosts' });
    expect((await created({ password: 'x', known_hosts: '~/.ssh/known_hosts' })).sink.options.hostKey).to.deep.equal({ kind: 'known-hosts', path: `${homedir()}/.ssh/known_hosts` });
  });

  it('the opt-out is explicit and warned about', async () => {
    const { sink, warnings } = await created({ password: 'x', insecure_accept_any_host_key: true });
    expect(sink.options.hostKey).to.deep.equal({ kind: 'insecure-any' });
    expect(warnings).to.deep.equal(["sink remote: the SFTP server's host key is not verified (insecure_accept_any_host_key)"]);
    expect(await refused({ password: 'x', insecure_accept_any_host_key: false })).to.match(/needs host_key or known_hosts/);
  });
});

describe('known_hosts matching', () => {
  const key = randomBytes(51);
  const line = (hosts: string, blob = key) => `${hosts} ssh-ed25519 ${blob.toString('base64')}\n`;
  const check = (text: string, host: string, port: number) => verifyHostKey({ kind: 'known-hosts', path: 'kh', text }, host, port, key)?.code;

  it('matches wildcards and [host]:port, and honours negation', () => {
    expect(check(line('*.lan'), 'nas.lan', 22)).to.equal(undefined);
    expect(check(line('[nas.lan]:2222'), 'nas.lan', 2222)).to.equal(undefined);
    expect(check(line('nas.lan'), 'nas.lan', 2222)).to.equal('HOST_KEY_UNKNOWN');
    expect(check(line('*.lan,!nas.lan'), 'nas.lan', 22)).to.equal('HOST_KEY_UNKNOWN');
    expect(check(line('n?s.lan'), 'nas.lan', 22)).to.equal(undefined);
    expect(check(line('nas.lan', randomBytes(51)), 'nas.lan', 22)).to.equal('HOST_KEY_MISMATCH');
    expect(check(`@cert-authority *.lan ssh-ed25519 ${key.toString('base64')}\n`, 'nas.lan', 22)).to.equal('HOST_KEY_UNKNOWN');
  });

  it('fingerprints as ssh-keygen prints them', () => {
    expect(fingerprintOf(Buffer.from('abc'))).to.equal('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});
