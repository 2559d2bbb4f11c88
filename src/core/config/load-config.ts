import { dirname } from 'node:path';
import type { Registry, InstanceKind } from '../registry.js';
import { ConfigDocument, type DocPath } from './config-document.js';
import { checkValues } from './check-values.js';
import { ConfigError } from './config-error.js';
import { configSchema, NAME_MESSAGE } from './schema.js';
import { formatPath, validateAgainstSchema, type SchemaProblem } from './schema-validator.js';
import type { InstanceConfig, VyaConfig } from './types.js';

export interface LoadedConfig {
  config: VyaConfig;
  file: string;
  dir: string;
  document: ConfigDocument;
}

const SECTIONS: { section: 'sources' | 'sinks' | 'notifiers'; kind: InstanceKind }[] = [
  { section: 'sources', kind: 'sources' },
  { section: 'sinks', kind: 'sinks' },
  { section: 'notifiers', kind: 'notifiers' },
];

/** Parses and validates a config file completely: structure, references, and each plugin's keys. */
export async function loadConfig(file: string, registry: Registry): Promise<LoadedConfig> {
  const document = await ConfigDocument.load(file);
  return checkConfig(document, registry);
}

/**
 * Every problem at once: the structure, each plugin's keys and the references are checked even
 * when another part is wrong (on the parts whose shape allows it), so that fixing the reported
 * problems does not reveal new ones. Values (cron, time zones) need a sound structure first.
 */
export function checkConfig(document: ConfigDocument, registry: Registry): LoadedConfig {
  const shapeProblems = validateAgainstSchema(configSchema, document.data).map((problem) => render(document, problem));
  const config = normalize(wellShaped(document.data));
  const lines = [
    ...shapeProblems,
    ...checkInstances(config, document, registry),
    ...checkReferences(config, document),
    ...(shapeProblems.length === 0 ? checkValues(config, document) : []),
  ];
  if (lines.length > 0) throw new ConfigError([...new Set(lines)]);
  return { config, file: document.file, dir: dirname(document.file), document };
}

/** The parts of a possibly malformed document that the later checks can read safely. */
function wellShaped(data: unknown): Partial<VyaConfig> {
  if (!isMapping(data)) return {};
  const instances = (section: unknown) => Object.fromEntries(Object.entries(isMapping(section) ? section : {}).filter(([, value]) => isMapping(value) && typeof value.type === 'string'));
  const jobs = Object.fromEntries(
    Object.entries(isMapping(data.jobs) ? data.jobs : {})
      .filter(([, job]) => isMapping(job))
      .map(([name, job]) => [name, { ...(job as Record<string, unknown>), notify: Array.isArray((job as Record<string, unknown>).notify) ? (job as Record<string, unknown>).notify : undefined }]),
  );
  return {
    ...(data as Partial<VyaConfig>),
    sources: instances(data.sources),
    sinks: instances(data.sinks),
    notifiers: instances(data.notifiers),
    secrets: isMapping(data.secrets) ? (data.secrets as VyaConfig['secrets']) : undefined,
    jobs: jobs as VyaConfig['jobs'],
  } as Partial<VyaConfig>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalize(data: Partial<VyaConfig>): VyaConfig {
  return {
    ...data,
    sources: data.sources ?? {},
    sinks: data.sinks ?? {},
    notifiers: data.notifiers ?? {},
    jobs: data.jobs ?? {},
  };
}

function checkInstances(config: VyaConfig, document: ConfigDocument, registry: Registry): string[] {
  const lines: string[] = [];
  const check = (kind: InstanceKind, path: DocPath, instance: InstanceConfig) => {
    if (!registry.has(kind, instance.type)) {
      const error = registry.unknownTypeError(kind, instance.type, document.locate([...path, 'type']));
      lines.push(`${error.message} (${error.hint})`);
      return;
    }
    for (const problem of registry.validate(kind, instance.type, instance, { unresolved: true })) {
      lines.push(render(document, { ...problem, path: [...path, ...problem.path] }));
    }
  };
  for (const { section, kind } of SECTIONS) {
    for (const [name, instance] of Object.entries(config[section])) check(kind, [section, name], instance);
  }
  for (const [name, value] of Object.entries(config.secrets ?? {})) {
    if (name !== 'store' && typeof value === 'object') check('secretStores', ['secrets', name], value);
  }
  return lines;
}

function checkReferences(config: VyaConfig, document: ConfigDocument): string[] {
  const lines: string[] = [];
  // Names as written, also of instances too malformed for the other checks: those are reported once, there.
  const raw = isMapping(document.data) ? document.data : {};
  const defined = (section: 'sources' | 'sinks' | 'notifiers') => Object.keys(isMapping(raw[section]) ? raw[section] : {});
  const expect = (path: DocPath, value: unknown, section: 'sources' | 'sinks' | 'notifiers') => {
    if (typeof value !== 'string') return;
    if (!defined(section).includes(value)) {
      const known = defined(section).join(', ') || 'none defined';
      lines.push(`${document.locate(path)}: ${formatPath(path)}: no ${section.slice(0, -1)} named "${value}" (defined: ${known})`);
    }
  };
  for (const [name, job] of Object.entries(config.jobs)) {
    expect(['jobs', name, 'source'], job.source, 'sources');
    expect(['jobs', name, 'sink'], job.sink, 'sinks');
    (job.notify ?? []).forEach((notifier, i) => expect(['jobs', name, 'notify', i], notifier, 'notifiers'));
    if (job.drill?.into !== undefined) expect(['jobs', name, 'drill', 'into'], job.drill.into, 'sources');
    const intoType = job.drill?.into === undefined ? undefined : config.sources[job.drill.into]?.type;
    const ownType = config.sources[job.source]?.type;
    if (intoType !== undefined && ownType !== undefined && intoType !== ownType) {
      lines.push(`${document.locate(['jobs', name, 'drill', 'into'])}: jobs.${name}.drill.into: source "${job.drill!.into}" is of type ${intoType}, the job's source of type ${ownType}`);
    }
  }
  const store = config.secrets?.store;
  if (store !== undefined && typeof config.secrets?.[store] !== 'object') {
    lines.push(`${document.locate(['secrets', 'store'])}: secrets.store: no secret store named "${store}"`);
  }
  return lines;
}

function render(document: ConfigDocument, problem: SchemaProblem): string {
  const message = problem.message === 'is not a valid name' ? `is not a valid name: ${NAME_MESSAGE}` : problem.message;
  return `${document.locate(problem.path, { key: problem.atKey })}: ${formatPath(problem.path) || '(top level)'}: ${message}`;
}
