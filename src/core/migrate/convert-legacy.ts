import { parseNameList, VyaError } from '@vya/plugin-api';
import type { InstanceConfig, JobConfig, VyaConfig } from '../config/types.js';
import type { LegacyConfig, LegacyInstance } from './legacy-types.js';

export interface SecretToStore {
  name: string;
  username?: string;
  password?: string;
  description: string;
}

export interface Conversion {
  config: VyaConfig;
  secrets: SecretToStore[];
  notes: string[];
}

const SYSTEM_SCHEMAS = new Set(['information_schema', 'performance_schema', 'sys', 'mysql']);

/**
 * Turns the Python tool's JSON config into a vya config plus the credentials to move into the
 * vault. Pure: the same input always gives the same output, which keeps `vya migrate` idempotent.
 * Secret names follow the legacy vault's ids (`mysql-1`, `postgresql-2`, `smtp-<host>`), so
 * credentials imported from that vault line up with the references written here.
 */
export function convertLegacyConfig(legacy: LegacyConfig, options: { vault: InstanceConfig }): Conversion {
  const config: VyaConfig = { version: 1, secrets: { store: 'vault', vault: options.vault }, sources: {}, sinks: {}, notifiers: {}, jobs: {} };
  const secrets: SecretToStore[] = [];
  const notes: string[] = [];
  const repository = legacy.bkp_system?.path_zip ?? legacy.bkp_system?.path_sql ?? '/var/backups/vya';
  config.sinks.local = { type: 'local', path: repository };
  const notifier = convertEmail(legacy, config, secrets);
  for (const instance of legacy.db_config ?? []) {
    const name = sourceName(instance);
    const sources = convertInstance(instance, name, secrets);
    if (instance.enabled === false) {
      // A retired server stays out of the config (vya check would try to reach it); its
      // credential still moves to the vault, so nothing the old tool knew is lost.
      notes.push(`${name}: disabled in the legacy config: not migrated (its credential is in the vault)`);
      continue;
    }
    for (const [index, source] of sources.entries()) {
      const sourceName = index === 0 ? name : `${name}-${index + 1}`;
      config.sources[sourceName] = source;
      config.jobs[sourceName] = jobFor(legacy, sourceName, notifier);
    }
    if (sources.length > 1) notes.push(`${name}: its globs filter different directories differently: split into ${sources.length} files sources and jobs`);
  }
  if (legacy.prometheus_settings?.enabled && legacy.prometheus_settings.url) {
    config.metrics = { pushgateway: { url: legacy.prometheus_settings.url, job: legacy.prometheus_settings.job_name ?? 'vya', ...(legacy.prometheus_settings.timeout ? { timeout_seconds: legacy.prometheus_settings.timeout } : {}) } };
  }
  return { config, secrets, notes };
}

function sourceName(instance: LegacyInstance): string {
  if (!['mysql', 'postgresql', 'files'].includes(instance.dbms)) {
    throw new VyaError(`db_config entry ${String(instance.id_dbms)}: unknown dbms "${instance.dbms}"`, { code: 'LEGACY_INVALID', exitCode: 2, hint: 'dbms must be mysql, postgresql or files' });
  }
  return `${instance.dbms}-${String(instance.id_dbms)}`;
}

function convertInstance(instance: LegacyInstance, name: string, secrets: SecretToStore[]): InstanceConfig[] {
  if (instance.dbms === 'files') return filesFromGlobs(instance.db_list ?? []).map((group) => ({ type: 'files', ...group }));
  if (instance.secret !== undefined || instance.user !== undefined) {
    secrets.push({ name, username: instance.user, password: instance.secret, description: `${instance.dbms} ${instance.host ?? ''}:${instance.port ?? ''} (migrated)` });
  }
  const source: InstanceConfig = {
    type: instance.dbms === 'mysql' ? 'mysql' : 'postgres',
    host: instance.host ?? '127.0.0.1',
    ...(instance.port ? { port: instance.port } : {}),
    username: `secret:${name}.username`,
    password: `secret:${name}.password`,
  };
  const ignored = parseNameList(instance.db_ignore).filter((db) => !(instance.dbms === 'mysql' && SYSTEM_SCHEMAS.has(db)));
  if (ignored.length) source.exclude = ignored;
  if (instance.database?.length) source.include = instance.database;
  return [source];
}

/**
 * Legacy globs as files sources. `/srv/app/uploads/**\/*` → path /srv/app/uploads (everything
 * under it); a narrower glob keeps its tail as an include. A files source applies its includes to
 * all its paths, so directories are grouped by the includes they need: a glob never narrows
 * another glob's directory (`['/srv/u/**\/*.jpg', '/etc/app/*']` gives two sources).
 */
export function filesFromGlobs(patterns: string[]): Array<{ paths: string[]; include?: string[] }> {
  const includesByBase = new Map<string, Set<string> | 'all'>();
  for (const pattern of patterns) {
    const { base, rest } = splitGlob(pattern);
    const known = includesByBase.get(base);
    if (known === 'all') continue;
    if (!rest || ['**', '**/*', '*'].includes(rest)) includesByBase.set(base, 'all');
    else includesByBase.set(base, new Set([...(known ?? []), rest]));
  }
  const groups = new Map<string, { paths: string[]; include?: string[] }>();
  for (const [base, includes] of includesByBase) {
    const include = includes === 'all' ? undefined : [...includes];
    const key = JSON.stringify(include ?? []);
    const group = groups.get(key) ?? (include ? { paths: [], include } : { paths: [] });
    group.paths.push(base);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function splitGlob(pattern: string): { base: string; rest: string } {
  const parts = pattern.split('/');
  const firstGlob = parts.findIndex((part) => /[*?[{]/.test(part));
  const base = (firstGlob < 0 ? parts : parts.slice(0, firstGlob)).join('/') || '/';
  return { base, rest: firstGlob < 0 ? '' : parts.slice(firstGlob).join('/') };
}

function jobFor(legacy: LegacyConfig, source: string, notifier: string | undefined): JobConfig {
  const job: JobConfig = { source, sink: 'local', compression: { algorithm: 'zstd', level: 3 } };
  const days = legacy.bkp_system?.retention_files;
  if (days && days > 0) job.retention = { keep_within: `${days}d` };
  const schedule = legacy.schedule_settings;
  if (schedule?.enabled && schedule.time) job.schedule = { cron: cronFrom(schedule.time, schedule.days_of_week), ...(schedule.timezone ? { timezone: schedule.timezone } : {}) };
  if (job.retention && job.schedule) job.prune = true;
  if (notifier) job.notify = [notifier];
  return job;
}

/** "02:30" on ISO days [1..7] (Monday = 1) → "30 2 * * 1,2,3" (cron: Sunday = 0). */
export function cronFrom(time: string, isoDays: number[] | undefined): string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!match) throw new VyaError(`schedule_settings.time "${time}" is not HH:MM`, { code: 'LEGACY_INVALID', exitCode: 2 });
  const days = [...new Set((isoDays ?? []).map((day) => day % 7))].sort((a, b) => a - b);
  const dow = days.length === 0 || days.length === 7 ? '*' : days.join(',');
  return `${Number(match[2])} ${Number(match[1])} * * ${dow}`;
}

function convertEmail(legacy: LegacyConfig, config: VyaConfig, secrets: SecretToStore[]): string | undefined {
  const email = legacy.email_settings;
  if (!email?.enabled || !email.smtp_host) return undefined;
  const name = `smtp-${email.smtp_host}`;
  if (email.smtp_user !== undefined || email.smtp_password !== undefined) secrets.push({ name, username: email.smtp_user, password: email.smtp_password, description: `SMTP ${email.smtp_host} (migrated)` });
  config.notifiers.email = {
    type: 'smtp',
    host: email.smtp_host,
    ...(email.smtp_port ? { port: email.smtp_port } : {}),
    secure: email.use_ssl === true,
    starttls: email.use_tls === true,
    ...(email.smtp_user !== undefined ? { username: `secret:${name}.username`, password: `secret:${name}.password` } : {}),
    from: email.from_email ?? `vya@${email.smtp_host}`,
    on_success: email.success_recipients ?? [],
    on_failure: email.failure_recipients ?? [],
    ...(email.test_mode ? { test_mode: true } : {}),
  };
  return 'email';
}
