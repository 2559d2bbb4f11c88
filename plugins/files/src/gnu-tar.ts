import { spawnSync } from 'node:child_process';

let gnuTarFound: boolean | undefined;

/** Whether `tar` on PATH is GNU tar (busybox and bsdtar take other options). */
export function gnuTarAvailable(): boolean {
  gnuTarFound ??= /GNU tar/.test(spawnSync('tar', ['--version'], { encoding: 'utf8', env: gnuTarEnvironment() }).stdout ?? '');
  return gnuTarFound;
}

/**
 * The environment tar runs in: C messages, and without TAR_OPTIONS, which GNU tar reads as
 * more arguments (an operator's `--absolute-names` or `--dereference` must not change what
 * vya stores or where a restore writes).
 */
export function gnuTarEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  delete env.TAR_OPTIONS;
  return env;
}
