import type { Logger } from './logger.js';
import type { Notifier } from './notifier.js';
import type { ReportTemplate } from './report-template.js';
import type { SecretStore } from './secret-store.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';
import { apiVersion } from './version.js';

/** A JSON Schema (draft 2020-12 subset understood by ajv) for one plugin type's config. */
export type JsonSchema = Record<string, unknown>;

/** What a plugin instance gets besides its own config. */
export interface PluginContext {
  /** The instance's name in the config (`sources.pg-main` → 'pg-main'). */
  name: string;
  logger: Logger;
  /** Directory of the config file; relative paths in config are relative to it. */
  configDir: string;
  /**
   * A path from this instance's config as the user means it: `~/x` in their home directory,
   * `x` relative to the config file's directory, `/x` as is. Use it for every path option.
   */
  resolvePath(path: string): string;
  /** Where vya keeps local state (history, caches); created on demand. */
  stateDir: string;
  /** Registers a value that must never appear in logs, errors or reports. */
  addSecret(value: string): void;
  /**
   * A new private (0700) directory for files that hold a secret or plaintext while the command
   * runs (a password option file, a decrypted dump to seek in): under the state dir, never the
   * shared TMPDIR, named after this process. Call `remove()` when done; vya also removes it at
   * exit, and the next run removes those of processes killed on this host.
   * `purpose` is a short word for the directory name (`mysql`, `pg-restore`).
   */
  privateTempDir(purpose: string): Promise<PrivateTempDir>;
}

export interface PrivateTempDir {
  path: string;
  remove(): Promise<void>;
}

/**
 * One configurable type a plugin provides (`type: postgres`). `config` has passed
 * `configSchema` and has its `secret:` references resolved; it excludes the `type` key.
 */
export interface TypeDefinition<T, C = Record<string, unknown>> {
  type: string;
  description: string;
  configSchema: JsonSchema;
  /**
   * `C` is the config's type; derive it from the schema rather than casting (see
   * docs/plugin-authors.md): `FromSchema<typeof schema>` from json-schema-to-ts, types only.
   */
  create(config: C, context: PluginContext): T | Promise<T>;
}

export type SourceDefinition<C = Record<string, unknown>> = TypeDefinition<Source, C>;
export type SinkDefinition<C = Record<string, unknown>> = TypeDefinition<Sink, C>;
export type NotifierDefinition<C = Record<string, unknown>> = TypeDefinition<Notifier, C>;
export type SecretStoreDefinition<C = Record<string, unknown>> = TypeDefinition<SecretStore, C>;

/** Everything one plugin adds. The core asks every installed plugin once, at start. */
export interface PluginContribution {
  /**
   * The @vya/plugin-api version the plugin was built for. `definePlugin` fills it in from the
   * copy the plugin runs with; the core refuses a plugin whose major differs from its own.
   */
  apiVersion?: string;
  sources?: SourceDefinition[];
  sinks?: SinkDefinition[];
  notifiers?: NotifierDefinition[];
  secretStores?: SecretStoreDefinition[];
  reportTemplates?: ReportTemplate[];
}

/** The name of the oclif hook a plugin declares in package.json to contribute types. */
export const REGISTER_HOOK = 'vya:register';

/**
 * Turns a contribution into the `vya:register` hook function a plugin exports as default:
 *
 *   export default definePlugin({ sinks: [localSinkDefinition] })
 */
export function definePlugin(contribution: PluginContribution): () => Promise<PluginContribution> {
  return async () => ({ apiVersion, ...contribution });
}
