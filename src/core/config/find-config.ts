import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** ~/.config/vya, or $VYA_CONFIG_HOME, or $XDG_CONFIG_HOME/vya. */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VYA_CONFIG_HOME) return resolve(env.VYA_CONFIG_HOME);
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'vya');
  return join(homedir(), '.config', 'vya');
}

/** Where the config is looked for, in order, when --config is not given. */
export function configCandidates(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const candidates: string[] = [];
  if (env.VYA_CONFIG) candidates.push(resolve(cwd, env.VYA_CONFIG));
  candidates.push(join(cwd, 'vya.yml'), join(cwd, 'vya.yaml'), join(cwd, 'vya.json'));
  const user = userConfigDir(env);
  candidates.push(join(user, 'vya.yml'), join(user, 'vya.yaml'), join(user, 'vya.json'));
  candidates.push('/etc/vya/vya.yml');
  return candidates;
}

/** The first config file that exists; an explicit --config or VYA_CONFIG must exist itself. */
export async function findConfigFile(explicit: string | undefined, env = process.env, cwd = process.cwd()): Promise<string | undefined> {
  if (explicit) return resolve(cwd, explicit);
  if (env.VYA_CONFIG) return resolve(cwd, env.VYA_CONFIG);
  for (const candidate of configCandidates(env, cwd)) {
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
