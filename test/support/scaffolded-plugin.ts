import { execFile } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './cli.js';

const run = promisify(execFile);

/** What `npm install` would put in a generated plugin's node_modules, linked from this repo (offline). */
const FROM_REPO: Record<string, string> = {
  '@vya/plugin-api': 'packages/plugin-api',
  '@vya/testing': 'packages/testing',
  '@types': 'node_modules/@types',
  chai: 'node_modules/chai',
  mocha: 'node_modules/mocha',
  tsx: 'node_modules/tsx',
  typescript: 'node_modules/typescript',
  'json-schema-to-ts': 'node_modules/json-schema-to-ts',
};

export async function linkDevDependencies(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules', '@vya'), { recursive: true });
  for (const [name, path] of Object.entries(FROM_REPO)) await symlink(join(repoRoot, path), join(dir, 'node_modules', name));
}

export interface Outcome {
  code: number;
  output: string;
}

/** Runs a node script in `cwd` and reports its exit code and output instead of throwing. */
export async function runNode(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** `npm pack` without scripts (the package is built already); the tarball's path. */
export async function npmPack(dir: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json'], { cwd: dir, env: { ...process.env, ...env } });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  return join(dir, packed.filename);
}

/**
 * `vya plugins new sink <name> --dir <dir>` and its build (tsc), offline with the dev
 * dependencies linked from this repo; throws with the tool's output when a step fails.
 */
export async function buildScaffoldedSink(name: string, dir: string, runVya: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>): Promise<void> {
  const generated = await runVya(['plugins', 'new', 'sink', name, '--dir', dir]);
  if (generated.code !== 0) throw new Error(`vya plugins new failed: ${generated.stdout}${generated.stderr}`);
  await linkDevDependencies(dir);
  const build = await runNode(dir, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  if (build.code !== 0) throw new Error(`the scaffolded plugin did not build: ${build.output}`);
}
