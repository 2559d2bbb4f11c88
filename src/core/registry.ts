import {
  VyaError,
  type JsonSchema,
  type PluginContext,
  type PluginContribution,
  type ReportTemplate,
  type TypeDefinition,
} from '@vya/plugin-api';
import { validateAgainstSchema, type SchemaProblem } from './config/schema-validator.js';

export type InstanceKind = 'sources' | 'sinks' | 'notifiers' | 'secretStores';

/** `kind` is oclif's plugin type: 'core' (bundled), 'user' (installed) or 'link'. */
export interface PluginInfo {
  name: string;
  version: string;
  kind?: string;
}

export interface PluginAnswer {
  plugin: PluginInfo;
  contribution: PluginContribution;
}

/** A plugin left out: its hook threw, or it was built for another plugin-API major. */
export interface PluginFailure {
  plugin: string;
  version?: string;
  kind?: string;
  error: string;
}

/** One plugin and the type names it provides, per kind, for `vya plugins --types`. */
export interface PluginTypes {
  plugin: PluginInfo;
  types: Record<InstanceKind | 'reportTemplates', string[]>;
}

interface Registered {
  definition: TypeDefinition<unknown>;
  plugin: { name: string; version: string };
}

const KIND_LABEL: Record<InstanceKind, string> = {
  sources: 'source',
  sinks: 'sink',
  notifiers: 'notifier',
  secretStores: 'secret store',
};

/** The kinds of instance a plugin contributes types of (its contribution's keys). */
export const INSTANCE_KINDS = Object.keys(KIND_LABEL) as InstanceKind[];

/** Which package provides the types we know of, for the "install this plugin" hint. */
const KNOWN_PROVIDERS: Record<string, string> = {
  files: '@vya/plugin-files',
  local: '@vya/plugin-local',
  env: '@vya/plugin-env',
  postgres: '@vya/plugin-postgres',
  mysql: '@vya/plugin-mysql',
  mariadb: '@vya/plugin-mysql',
  s3: '@vya/plugin-s3',
  gcs: '@vya/plugin-gcs',
  'vault-file': '@vya/plugin-vault-file',
  'legacy-vault': '@vya/plugin-vault-file',
  'vault-hashicorp': '@vya/plugin-vault-hashicorp',
  smtp: '@vya/plugin-smtp',
  webhook: '@vya/plugin-webhook',
};

/**
 * Every type that installed plugins provide, merged from their `vya:register` answers.
 * The core only ever reaches plugins through here.
 */
export class Registry {
  private readonly types: Record<InstanceKind, Map<string, Registered>> = {
    sources: new Map(),
    sinks: new Map(),
    notifiers: new Map(),
    secretStores: new Map(),
  };
  private readonly templates = new Map<string, { template: ReportTemplate; plugin: { name: string; version: string } }>();
  readonly conflicts: string[] = [];
  readonly plugins: PluginTypes[] = [];

  constructor(answers: PluginAnswer[], readonly failures: PluginFailure[] = []) {
    for (const answer of answers) this.add(answer);
  }

  private add({ plugin, contribution }: PluginAnswer): void {
    this.plugins.push({
      plugin,
      types: {
        sources: (contribution.sources ?? []).map((definition) => definition.type),
        sinks: (contribution.sinks ?? []).map((definition) => definition.type),
        notifiers: (contribution.notifiers ?? []).map((definition) => definition.type),
        secretStores: (contribution.secretStores ?? []).map((definition) => definition.type),
        reportTemplates: (contribution.reportTemplates ?? []).map((template) => template.name),
      },
    });
    for (const kind of INSTANCE_KINDS) {
      for (const definition of contribution[kind] ?? []) {
        const existing = this.types[kind].get(definition.type);
        if (existing && existing.plugin.name !== plugin.name) {
          this.conflicts.push(`${KIND_LABEL[kind]} type "${definition.type}" is provided by both ${existing.plugin.name} and ${plugin.name}; using ${existing.plugin.name}`);
          continue;
        }
        this.types[kind].set(definition.type, { definition: definition as TypeDefinition<unknown>, plugin });
      }
    }
    for (const template of contribution.reportTemplates ?? []) {
      if (!this.templates.has(template.name)) this.templates.set(template.name, { template, plugin });
    }
  }

  has(kind: InstanceKind, type: string): boolean {
    return this.types[kind].has(type);
  }

  typeNames(kind: InstanceKind): string[] {
    return [...this.types[kind].keys()].sort();
  }

  /** The plugin that provides a type, for manifests ("plugin versions"). */
  pluginOf(kind: InstanceKind, type: string): { name: string; version: string } {
    return this.lookup(kind, type).plugin;
  }

  schemaOf(kind: InstanceKind, type: string): JsonSchema {
    return this.lookup(kind, type).definition.configSchema;
  }

  /**
   * Problems with an instance's config against its type's schema (`type` itself excluded).
   * Before secrets are resolved, `secret:` references pass content checks (pattern, length).
   */
  validate(kind: InstanceKind, type: string, config: Record<string, unknown>, options: { unresolved?: boolean } = {}): SchemaProblem[] {
    return validateAgainstSchema(this.schemaOf(kind, type), withoutType(config), [], { deferSecretReferences: options.unresolved });
  }

  async create<T>(kind: InstanceKind, type: string, config: Record<string, unknown>, context: PluginContext): Promise<T> {
    const { definition } = this.lookup(kind, type);
    const problems = this.validate(kind, type, config);
    if (problems.length > 0) {
      const first = problems[0];
      throw new VyaError(`${KIND_LABEL[kind]} "${context.name}": ${[...first.path].join('.') || 'config'} ${first.message}`, {
        code: 'CONFIG_INVALID',
        exitCode: 2,
        hint: `see the ${type} section of the config reference`,
      });
    }
    return (await definition.create(withoutType(config), context)) as T;
  }

  reportTemplates(): ReportTemplate[] {
    return [...this.templates.values()].map((entry) => entry.template);
  }

  reportTemplate(name: string): ReportTemplate {
    const entry = this.templates.get(name);
    if (!entry) {
      const known = [...this.templates.keys()].sort().join(', ') || 'none installed';
      throw new VyaError(`no report template named "${name}"`, { code: 'UNKNOWN_TEMPLATE', exitCode: 2, hint: `installed templates: ${known}` });
    }
    return entry.template;
  }

  /** The error for a config naming a type no installed plugin provides. */
  unknownTypeError(kind: InstanceKind, type: string, where: string): VyaError {
    const provider = KNOWN_PROVIDERS[type];
    const known = this.typeNames(kind).join(', ') || 'none';
    const hint = provider
      ? `type "${type}" is provided by ${provider}: vya plugins install ${provider} (installed ${KIND_LABEL[kind]} types: ${known})`
      : `no known plugin provides it; installed ${KIND_LABEL[kind]} types: ${known}`;
    return new VyaError(`${where}: unknown ${KIND_LABEL[kind]} type "${type}"`, { code: 'UNKNOWN_TYPE', exitCode: 2, hint });
  }

  private lookup(kind: InstanceKind, type: string): Registered {
    const entry = this.types[kind].get(type);
    if (!entry) throw this.unknownTypeError(kind, type, KIND_LABEL[kind]);
    return entry;
  }
}

function withoutType(config: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...rest } = config;
  return rest;
}
