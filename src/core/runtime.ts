import { join } from 'node:path';
import { resolveConfigPath, VyaError, type Notifier, type PluginContext, type SecretStore, type Sink, type Source } from '@vya/plugin-api';
import { loadConfig, type LoadedConfig } from './config/load-config.js';
import { resolveSecretReferences } from './config/secret-refs.js';
import type { InstanceConfig, VyaConfig } from './config/types.js';
import { userConfigDir } from './config/find-config.js';
import { CoreLogger } from './logger.js';
import { Redactor } from './redactor.js';
import type { InstanceKind, Registry } from './registry.js';
import { createPrivateTempDir, sweepPrivateTempDirs } from './private-temp.js';
import { resolveStateDir } from './state-dir.js';

const EMPTY_CONFIG: VyaConfig = { sources: {}, sinks: {}, notifiers: {}, jobs: {} };

/**
 * Everything a command needs once the config is loaded: the validated config, the plugin
 * registry, and instances of the configured sources, sinks, notifiers and secret stores,
 * created on first use with their `secret:` references resolved.
 */
export class Runtime {
  readonly redactor: Redactor;
  readonly logger: CoreLogger;
  readonly config: VyaConfig;
  readonly configFile: string | undefined;
  readonly configDir: string;
  readonly stateDir: string;
  private readonly instances = new Map<string, Promise<unknown>>();

  private constructor(
    readonly registry: Registry,
    loaded: LoadedConfig | undefined,
    options: { redactor: Redactor; logger: CoreLogger },
  ) {
    this.redactor = options.redactor;
    this.logger = options.logger;
    this.config = loaded?.config ?? EMPTY_CONFIG;
    this.configFile = loaded?.file;
    this.configDir = loaded?.dir ?? process.cwd();
    this.stateDir = resolveStateDir(this.config.state_dir, this.configDir);
  }

  static async create(options: {
    registry: Registry;
    configFile: string | undefined;
    redactor?: Redactor;
    logger?: CoreLogger;
  }): Promise<Runtime> {
    const redactor = options.redactor ?? new Redactor();
    const logger = options.logger ?? new CoreLogger(redactor);
    const loaded = options.configFile ? await loadConfig(options.configFile, options.registry) : undefined;
    const runtime = new Runtime(options.registry, loaded, { redactor, logger });
    await sweepPrivateTempDirs(runtime.stateDir).catch((error: unknown) => logger.debug(`cannot sweep ${runtime.stateDir}/tmp: ${String(error)}`));
    return runtime;
  }

  addSecret(value: string): void {
    this.redactor.add(value);
  }

  source(name: string): Promise<Source> {
    return this.instance<Source>('sources', name, this.config.sources[name]);
  }

  sink(name: string): Promise<Sink> {
    return this.instance<Sink>('sinks', name, this.config.sinks[name]);
  }

  notifier(name: string): Promise<Notifier> {
    return this.instance<Notifier>('notifiers', name, this.config.notifiers[name]);
  }

  /** The named secret store, or the default one: `secrets.store`, else the local vault file. */
  secretStore(name?: string): Promise<SecretStore> {
    const storeName = name ?? this.defaultSecretStoreName();
    const configured = this.config.secrets?.[storeName];
    const config = typeof configured === 'object' ? configured : storeName === 'vault' && !this.config.secrets ? this.defaultVault() : undefined;
    return this.instance<SecretStore>('secretStores', storeName, config, { resolveSecrets: false });
  }

  defaultSecretStoreName(): string {
    const secrets = this.config.secrets;
    if (secrets?.store) return secrets.store;
    const named = Object.keys(secrets ?? {}).filter((key) => key !== 'store');
    return named.length === 1 ? named[0] : 'vault';
  }

  async close(): Promise<void> {
    const instances = await Promise.allSettled(this.instances.values());
    for (const settled of instances) {
      if (settled.status === 'fulfilled') await (settled.value as { close?: () => Promise<void> }).close?.().catch(() => {});
    }
    this.instances.clear();
  }

  pluginContext(name: string): PluginContext {
    return {
      name,
      logger: this.logger.child(name),
      configDir: this.configDir,
      resolvePath: (path) => resolveConfigPath(this.configDir, path),
      stateDir: this.stateDir,
      addSecret: (value) => this.redactor.add(value),
      privateTempDir: (purpose) => createPrivateTempDir(this.stateDir, purpose),
    };
  }

  private defaultVault(): InstanceConfig {
    const dir = userConfigDir();
    return { type: 'vault-file', path: join(dir, 'vault.enc'), key_file: join(dir, 'vault.key') };
  }

  private instance<T>(kind: InstanceKind, name: string, config: InstanceConfig | undefined, options = { resolveSecrets: true }): Promise<T> {
    const key = `${kind}/${name}`;
    let pending = this.instances.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.createInstance<T>(kind, name, config, options.resolveSecrets);
      this.instances.set(key, pending);
      pending.catch(() => this.instances.delete(key));
    }
    return pending;
  }

  private async createInstance<T>(kind: InstanceKind, name: string, config: InstanceConfig | undefined, resolveSecrets: boolean): Promise<T> {
    const section = kind === 'secretStores' ? 'secrets' : kind;
    if (!config) {
      const known = Object.keys((section === 'secrets' ? this.config.secrets : this.config[section]) ?? {}).filter((k) => k !== 'store');
      throw new VyaError(`no ${section.replace(/s$/, '')} named "${name}" in the config`, {
        code: 'UNKNOWN_NAME',
        exitCode: 2,
        hint: known.length ? `defined: ${known.join(', ')}` : `add one under "${section}:" in ${this.configFile ?? 'vya.yml'}`,
      });
    }
    if (!this.registry.has(kind, config.type)) throw this.registry.unknownTypeError(kind, config.type, `${section}.${name}`);
    const resolved = resolveSecrets ? await this.resolveSecrets(config, `${section}.${name}`) : config;
    return this.registry.create<T>(kind, config.type, resolved, this.pluginContext(name));
  }

  /** Resolves `secret:` references in any config fragment through the default store. */
  async resolveSecrets<T>(value: T, where: string): Promise<T> {
    if (!JSON.stringify(value ?? null).includes('"secret:')) return value;
    const name = this.defaultSecretStoreName();
    const store = await this.secretStore(name);
    return resolveSecretReferences(value, { name, store }, where, (secret) => this.redactor.add(secret));
  }
}
