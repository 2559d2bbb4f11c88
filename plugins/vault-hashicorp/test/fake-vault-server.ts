import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface TokenInfo {
  expiresAt: number;
  ttlSeconds: number;
  policies: string[];
}

/**
 * The parts of HashiCorp Vault's HTTP API that vya uses, as Vault documents them: KV v2
 * read/write/list/delete under /v1/<mount>/data|metadata/, token lookup-self and renew-self,
 * AppRole login, X-Vault-Token and X-Vault-Namespace headers, `{"errors": [...]}` bodies. No
 * Vault binary runs on these machines; this is what the plugin is verified against.
 */
export class FakeVault {
  readonly ca: string;
  readonly rootToken = `hvs.${randomBytes(12).toString('hex')}`;
  readonly roleId = 'vya-role';
  readonly secretId = `sid-${randomBytes(8).toString('hex')}`;
  readonly calls: string[] = [];
  private readonly kv = new Map<string, { data: Record<string, string>; version: number }>();
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly server: Server;
  port = 0;
  /** Lease of tokens that AppRole login issues. */
  approleTtlSeconds = 3600;

  constructor(readonly namespace?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'vya-fake-vault-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=vault.test', '-addext', 'subjectAltName=DNS:vault.test,IP:127.0.0.1'], { stdio: 'ignore' });
    this.ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    rmSync(dir, { recursive: true, force: true });
    this.tokens.set(this.rootToken, { expiresAt: Number.MAX_SAFE_INTEGER, ttlSeconds: 0, policies: ['root'] });
    this.server = createServer({ key, cert: this.ca }, (req, res) => void this.handle(req, res));
  }

  get address(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A token allowed only to read (for permission-denied tests). */
  readOnlyToken(): string {
    const token = `hvs.ro-${randomBytes(6).toString('hex')}`;
    this.tokens.set(token, { expiresAt: Number.MAX_SAFE_INTEGER, ttlSeconds: 0, policies: ['read'] });
    return token;
  }

  revokeAll(): void {
    for (const [token] of this.tokens) if (token !== this.rootToken) this.tokens.delete(token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://vault.test');
    const method = req.method === 'GET' && url.searchParams.get('list') === 'true' ? 'LIST' : (req.method ?? 'GET');
    const body = await readBody(req);
    this.calls.push(`${method} ${url.pathname}`);
    const reply = (status: number, payload?: unknown) => {
      res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const path = url.pathname.replace(/^\/v1\//, '');
    if (method === 'POST' && path === 'auth/approle/login') {
      if (body.role_id !== this.roleId || body.secret_id !== this.secretId) return reply(400, { errors: ['invalid role or secret ID'] });
      const token = `hvs.${randomBytes(12).toString('hex')}`;
      this.tokens.set(token, { expiresAt: Date.now() + this.approleTtlSeconds * 1000, ttlSeconds: this.approleTtlSeconds, policies: ['default', 'vya'] });
      return reply(200, { auth: { client_token: token, lease_duration: this.approleTtlSeconds, renewable: true, policies: ['default', 'vya'] } });
    }
    const tokenHeader = req.headers['x-vault-token'];
    const token = typeof tokenHeader === 'string' ? this.tokens.get(tokenHeader) : undefined;
    if (!token || token.expiresAt < Date.now()) return reply(403, { errors: ['permission denied'] });
    if (path === 'auth/token/lookup-self' && method === 'GET') {
      return reply(200, { data: { ttl: token.ttlSeconds ? Math.round((token.expiresAt - Date.now()) / 1000) : 0, renewable: token.ttlSeconds > 0, policies: token.policies } });
    }
    if (path === 'auth/token/renew-self' && method === 'POST') {
      token.expiresAt = Date.now() + token.ttlSeconds * 1000;
      return reply(200, { auth: { client_token: tokenHeader, lease_duration: token.ttlSeconds, renewable: true, policies: token.policies } });
    }
    const namespace = req.headers['x-vault-namespace'];
    if (this.namespace && namespace !== this.namespace) return reply(404, { errors: [`no handler for route "${path}". route entry not found.`] });
    const kv = /^([^/]+)\/(data|metadata)\/(.*)$/.exec(path);
    if (!kv) return reply(404, { errors: [`no handler for route "${path}"`] });
    const [, mount, kind, key] = kv;
    const id = `${mount}/${key}`;
    const writes = method === 'POST' || method === 'DELETE';
    if (writes && !token.policies.some((p) => p === 'root' || p === 'vya')) return reply(403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });
    if (kind === 'data' && method === 'GET') {
      const entry = this.kv.get(id);
      return entry ? reply(200, { data: { data: entry.data, metadata: { version: entry.version, created_time: new Date().toISOString(), deletion_time: '', destroyed: false } } }) : reply(404, { errors: [] });
    }
    if (kind === 'data' && method === 'POST') {
      if (typeof body.data !== 'object' || body.data === null) return reply(400, { errors: ['no data provided'] });
      const version = (this.kv.get(id)?.version ?? 0) + 1;
      this.kv.set(id, { data: body.data as Record<string, string>, version });
      return reply(200, { data: { version, created_time: new Date().toISOString() } });
    }
    if (kind === 'metadata' && method === 'LIST') {
      const prefix = `${mount}/${key}`;
      const keys = [...new Set([...this.kv.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).map((rest) => (rest.includes('/') ? `${rest.split('/')[0]}/` : rest)))].sort();
      return keys.length ? reply(200, { data: { keys } }) : reply(404, { errors: [] });
    }
    if (kind === 'metadata' && method === 'DELETE') {
      this.kv.delete(id);
      return reply(204);
    }
    return reply(405, { errors: [`unsupported operation ${method}`] });
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
