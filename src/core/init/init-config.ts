import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { VyaError } from '@vya/plugin-api';
import { generateX25519Identity } from '../crypto/age/index.js';
import { renderStarterConfig } from './starter-config.js';

export interface InitOptions {
  configFile: string;
  paths: string[];
  repository: string;
  encrypt: boolean;
  force: boolean;
}

export interface InitResult {
  config: string;
  identity?: string;
  recipient?: string;
  repository: string;
}

/** Writes a starter config (and, with encryption, a fresh age identity beside it, mode 0600). */
export async function initConfig(options: InitOptions): Promise<InitResult> {
  const configFile = resolve(options.configFile);
  const flag = options.force ? 'w' : 'wx';
  await mkdir(dirname(configFile), { recursive: true });
  let identityFile: string | undefined;
  let recipient: string | undefined;
  if (options.encrypt) {
    const pair = generateX25519Identity();
    identityFile = resolve(dirname(configFile), 'vya-identity.txt');
    recipient = pair.recipient;
    const text = `# created by vya init: ${new Date().toISOString()}\n# public key: ${pair.recipient}\n${pair.identity}\n`;
    await writeExclusive(identityFile, text, flag, 0o600);
    await chmod(identityFile, 0o600);
  }
  const paths = options.paths.map((p) => resolve(p));
  const repository = resolve(options.repository);
  const ownFiles = excludedOwnFiles(paths, [repository, ...(identityFile ? [identityFile] : [])]);
  const config = renderStarterConfig({ paths, repository, recipient, identityFile, ownFiles });
  await writeExclusive(configFile, config, flag, 0o644);
  return { config: configFile, identity: identityFile, recipient, repository };
}

/**
 * The repository and the private key must never end up in their own backups (each run would
 * archive all earlier ones, and the key would travel with the data): the paths, relative to
 * each backed-up directory that contains them, for the source's `exclude`.
 */
function excludedOwnFiles(paths: string[], own: string[]): string[] {
  const excluded = new Set<string>();
  for (const path of paths) {
    for (const file of own) {
      const inside = relative(path, file);
      if (inside && !inside.startsWith('..') && !isAbsolute(inside)) excluded.add(inside);
    }
  }
  return [...excluded];
}

async function writeExclusive(path: string, text: string, flag: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { flag, mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new VyaError(`${path} already exists`, { code: 'EXISTS', exitCode: 2, hint: 'pass --force to overwrite it, or --config to write elsewhere' });
    }
    throw error;
  }
}
