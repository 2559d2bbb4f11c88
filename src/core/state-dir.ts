import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where history, locks' local cache and other state live: config, $VYA_STATE_DIR, XDG, ~/.local/state/vya. */
export function resolveStateDir(configured: string | undefined, configDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.VYA_STATE_DIR) return resolve(env.VYA_STATE_DIR);
  if (configured) return resolve(configDir, expandHome(configured));
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'vya');
  return join(homedir(), '.local', 'state', 'vya');
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}
