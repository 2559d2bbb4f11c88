import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { VyaError, type SecretRecord, type SecretStore } from '@vya/plugin-api';
import { ConfigDocument } from '../config/config-document.js';
import { userConfigDir } from '../config/find-config.js';
import type { Runtime } from '../runtime.js';
import { convertLegacyConfig, type SecretToStore } from './convert-legacy.js';
import type { LegacyConfig } from './legacy-types.js';

export interface MigrationOptions {
  legacyFile: string;
  out: string;
  dryRun: boolean;
  vaultFile?: string;
  vaultHostname?: string;
}

export interface MigrationReport {
  config: { path: string; action: 'written' | 'unchanged' | 'would write' };
  secrets: { name: string; action: 'stored' | 'unchanged' | 'conflict: kept the vault\'s' | 'would store' | 'imported' }[];
  notes: string[];
  yaml: string;
}

/**
 * `vya migrate`: the legacy JSON becomes vya.yml with only `secret:` references, and every
 * clear-text password (and, with --vault-file, every credential of the old vault) moves into
 * vya's vault. Running it again finds everything in place and changes nothing.
 */
export async function runMigration(runtime: Runtime, options: MigrationOptions): Promise<MigrationReport> {
  const legacy = await readLegacyConfig(options.legacyFile);
  const dir = userConfigDir();
  const vault = { type: 'vault-file', path: join(dir, 'vault.enc'), key_file: join(dir, 'vault.key') };
  const conversion = convertLegacyConfig(legacy, { vault });
  for (const secret of conversion.secrets) if (secret.password) runtime.addSecret(secret.password);
  const yaml = renderYaml(conversion.config, options.legacyFile);
  const report: MigrationReport = { config: { path: resolve(options.out), action: 'would write' }, secrets: [], notes: conversion.notes, yaml };
  const store = options.dryRun ? undefined : await openVault(runtime);
  const fromVault = options.vaultFile ? await legacyVaultRecords(runtime, options.vaultFile, options.vaultHostname) : new Map<string, SecretRecord>();
  for (const [name, record] of fromVault) report.secrets.push({ name, action: await importRecord(store, { name, username: record.username, password: record.password, description: record.metadata?.description ?? '' }, 'imported') });
  for (const secret of conversion.secrets) {
    const inVault = fromVault.get(secret.name);
    if (inVault && (inVault.password !== secret.password || inVault.username !== secret.username)) {
      report.secrets.push({ name: secret.name, action: "conflict: kept the vault's" });
      continue;
    }
    if (!inVault) report.secrets.push({ name: secret.name, action: await importRecord(store, secret, 'stored') });
  }
  if (!options.dryRun) report.config.action = await writeIfChanged(report.config.path, yaml);
  return report;
}

async function readLegacyConfig(file: string): Promise<LegacyConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new VyaError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { code: 'LEGACY_UNREADABLE', exitCode: 2, hint: 'pass the path of vya_backupbd.json' });
  }
  try {
    JSON.parse(text);
  } catch (error) {
    // Parse once more through the YAML parser only to get a line and column for the message.
    try {
      ConfigDocument.parse(text, file);
    } catch (located) {
      throw new VyaError(`${(located as Error).message.replace('not valid YAML/JSON', 'not valid JSON')}`, { code: 'LEGACY_INVALID', exitCode: 2, hint: 'fix the legacy JSON file' });
    }
    throw new VyaError(`${file}${jsonErrorPosition(text, (error as Error).message)}: not valid JSON: ${(error as Error).message.replace(/ in JSON at position \d+.*$/, '')}`, { code: 'LEGACY_INVALID', exitCode: 2, hint: 'fix the legacy JSON file' });
  }
  const legacy = JSON.parse(text) as LegacyConfig;
  if (typeof legacy !== 'object' || legacy === null || !Array.isArray(legacy.db_config)) {
    throw new VyaError(`${file}: no db_config list: not a vya-backupdb config`, { code: 'LEGACY_INVALID', exitCode: 2, hint: 'pass the vya_backupbd.json of the Python tool' });
  }
  return legacy;
}

async function openVault(runtime: Runtime): Promise<SecretStore> {
  const store = await runtime.secretStore();
  if (store.initialize) await store.initialize().catch((error: { code?: string }) => {
    if (error.code !== 'EXISTS') throw error;
  });
  return store;
}

async function legacyVaultRecords(runtime: Runtime, path: string, hostname: string | undefined): Promise<Map<string, SecretRecord>> {
  if (!hostname) throw new VyaError('--vault-file needs --vault-hostname', { code: 'USAGE', exitCode: 2, hint: 'the legacy vault is keyed by the host name it was created on' });
  const legacy = await runtime.registry.create<SecretStore>('secretStores', 'legacy-vault', { type: 'legacy-vault', path: resolve(path), hostname }, runtime.pluginContext('legacy-vault'));
  const records = new Map<string, SecretRecord>();
  for (const summary of await legacy.list()) {
    const record = await legacy.get(summary.name);
    if (record) records.set(summary.name, record);
  }
  return records;
}

async function importRecord(store: SecretStore | undefined, secret: SecretToStore, verb: 'stored' | 'imported'): Promise<MigrationReport['secrets'][number]['action']> {
  if (!store) return 'would store';
  const existing = await store.get(secret.name);
  if (existing && existing.username === secret.username && existing.password === secret.password) return 'unchanged';
  await store.set({ name: secret.name, username: secret.username, password: secret.password, metadata: { description: secret.description } });
  return verb;
}

async function writeIfChanged(path: string, yaml: string): Promise<'written' | 'unchanged'> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === yaml) return 'unchanged';
  if (current !== undefined) throw new VyaError(`${path} exists and differs from the migrated config`, { code: 'EXISTS', exitCode: 2, hint: 'move it away, or pass --out to write elsewhere' });
  await writeFile(path, yaml, { mode: 0o644 });
  return 'written';
}

function renderYaml(config: unknown, legacyFile: string): string {
  return `# vya configuration migrated from ${legacyFile} by \`vya migrate\`.
# Passwords live in the vault (vya secrets list); this file holds only secret: references.
# Check it with \`vya check\`. Reference: docs/config.md, docs/migration.md.
${stringify(config, { lineWidth: 0 })}`;
}

/** ":line:col" from JSON.parse's "at position N", when it says so. */
function jsonErrorPosition(text: string, message: string): string {
  const match = /at position (\d+)/.exec(message);
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  return `:${line}:${Number(match[1]) - before.lastIndexOf('\n')}`;
}
