import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { VyaError } from '../../plugin-api/index.js';
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
  const config = renderStarterConfig({ paths: options.paths.map((p) => resolve(p)), repository: resolve(options.repository), recipient, identityFile });
  await writeExclusive(configFile, config, flag, 0o644);
  return { config: configFile, identity: identityFile, recipient, repository: resolve(options.repository) };
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
