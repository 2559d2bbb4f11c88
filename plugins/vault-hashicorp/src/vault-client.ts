import { createRequire } from 'node:module';
import { VyaError } from '@vya/plugin-api';

// An ESM import of node:http builds its module namespace, which evaluates every lazy export
// and so loads undici: ~50 ms of CPU at every start of vya, as this plugin loads with the CLI.
// require() reads only the export used.
const require = createRequire(import.meta.url);
const { request: httpRequest } = require('node:http') as typeof import('node:http');
const { request: httpsRequest } = require('node:https') as typeof import('node:https');

export interface VaultClientOptions {
  address: string;
  namespace?: string;
  ca?: string;
  tlsServerName?: string;
  timeoutMs: number;
}

export interface VaultResponse {
  status: number;
  body: Record<string, unknown> | undefined;
}

/**
 * The few HTTP calls vya makes to Vault, over node:http(s) so a private CA can be trusted
 * without extra packages. Bodies are JSON; errors come back as `{ "errors": [...] }`.
 */
export class VaultClient {
  constructor(private readonly options: VaultClientOptions) {}

  async call(method: string, path: string, token: string | undefined, body?: unknown): Promise<VaultResponse> {
    const url = new URL(`/v1/${path.replace(/^\/+/, '')}`, this.options.address);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers['X-Vault-Token'] = token;
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, ca: this.options.ca, servername: this.options.tlsServerName, timeout: this.options.timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.options.timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(new VyaError(`cannot reach Vault at ${this.options.address}: ${error.code ?? error.message}`, { code: 'UNREACHABLE', hint: /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(error.code ?? '') ? 'set ca_cert to the CA that signed the Vault certificate' : 'check address and network' })),
      );
      req.end(payload);
    });
  }
}

export function vaultErrors(response: VaultResponse): string {
  const errors = (response.body?.errors as string[] | undefined) ?? [];
  // Vault nests multi-errors as "1 error occurred:\n\t* permission denied": keep it one line.
  return errors.length ? errors.join('; ').replace(/\s+/g, ' ').trim() : `HTTP ${response.status}`;
}
