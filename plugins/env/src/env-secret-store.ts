import { VyaError, type SecretRecord, type SecretStore, type SecretSummary } from '@vya/plugin-api';

/**
 * Secrets from environment variables: `secret:pg-main.password` reads
 * `VYA_SECRET_PG_MAIN_PASSWORD` (prefix, then name and field upper-cased, other characters
 * turned into `_`). For containers and CI, where the orchestrator injects secrets as env.
 */
export class EnvSecretStore implements SecretStore {
  readonly readOnly = true;

  constructor(
    private readonly prefix: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly onSecret: (value: string) => void = () => {},
  ) {}

  async get(name: string): Promise<SecretRecord | undefined> {
    const start = `${this.prefix}${envName(name)}_`;
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.env)) {
      if (key.startsWith(start) && value !== undefined) fields[key.slice(start.length).toLowerCase()] = value;
    }
    if (Object.keys(fields).length === 0) return undefined;
    const { username, password, ...rest } = fields;
    for (const value of Object.values(fields)) this.onSecret(value);
    return { name, username, password, fields: rest };
  }

  async list(): Promise<SecretSummary[]> {
    const names = new Map<string, string[]>();
    for (const key of Object.keys(this.env)) {
      if (!key.startsWith(this.prefix)) continue;
      const rest = key.slice(this.prefix.length);
      const cut = rest.lastIndexOf('_');
      if (cut <= 0) continue;
      const name = rest.slice(0, cut).toLowerCase().replace(/_/g, '-');
      names.set(name, [...(names.get(name) ?? []), rest.slice(cut + 1).toLowerCase()]);
    }
    return [...names].map(([name, fields]) => ({ name, fields })).sort((a, b) => a.name.localeCompare(b.name));
  }

  async set(): Promise<void> {
    throw readOnly();
  }

  async delete(): Promise<boolean> {
    throw readOnly();
  }

  async info(): Promise<Record<string, unknown>> {
    return { backend: 'environment variables', prefix: this.prefix, read_only: true, secrets: (await this.list()).length };
  }
}

export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function readOnly(): VyaError {
  return new VyaError('the env secret store is read-only', { code: 'READ_ONLY', hint: 'set the environment variable instead, or use a vault-file store' });
}
