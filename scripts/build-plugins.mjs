// Builds every bundled plugin that has sources, in one `tsc -b` run (faster than one tsc per
// workspace, and a plugin folder still being started does not break the build).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const plugins = readdirSync(join(root, 'plugins'))
  .map((name) => join('plugins', name))
  .filter((dir) => existsSync(join(root, dir, 'src', 'register.ts')));
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', ...plugins], { cwd: root, stdio: 'inherit' });
