import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The tree issue 16 was filed against (the last commit before its bench). The issue asks that
 * `vya --version` and a backup's start-up "stay where they are (0.16 s / 0.32 s) or better":
 * figures of the machine it was measured on. On another machine "where they are" is what
 * this tree takes there, so the bench builds it once and times it beside the current one.
 */
export const BASELINE_COMMIT = '5679f36bf8fc44f489a51ee24a18d19202190ab7';

/**
 * The baseline's `bin/run.js`, exported from git into `root/baseline/<commit>` and built
 * there with its own dependencies (`npm ci`, which needs the npm registry) the first time;
 * later runs reuse it. Undefined, with the reason logged, where it cannot be had (a shallow
 * clone without that commit, no registry): the start-up rows are then judged on their
 * absolute times.
 */
export function ensureBaseline(repoRoot: string, root: string, log: (line: string) => void): string | undefined {
  const directory = join(root, 'baseline', BASELINE_COMMIT.slice(0, 12));
  const built = join(directory, '.vya-bench-built');
  const entry = join(directory, 'bin', 'run.js');
  if (existsSync(built)) return entry;
  try {
    log(`building the baseline ${BASELINE_COMMIT.slice(0, 7)} (issue 16's tree) in ${directory}: once, a minute or two`);
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    execFileSync('bash', ['-o', 'pipefail', '-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'bash', repoRoot, BASELINE_COMMIT, directory], { stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
    // Its prepare script has built it, unless npm was told to run no scripts.
    if (!existsSync(join(directory, 'dist'))) execFileSync('npm', ['run', 'build', '--silent'], { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
    writeFileSync(built, `${BASELINE_COMMIT}\n`);
    return entry;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').at(-1);
    log(`no baseline build (${stderr || (error as Error).message.split('\n')[0]}): version and startup are judged on absolute times`);
    return undefined;
  }
}
