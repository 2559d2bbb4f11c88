import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { apiMajor, apiVersion, VyaError } from '@vya/plugin-api';
import { className, validatePluginName, type PluginKind } from './plugin-name.js';

export interface ScaffoldRequest {
  kind: PluginKind;
  name: string;
  /** The package directory to create; must not exist or be empty. */
  dir: string;
  /** vya's templates/plugin directory. */
  templatesDir: string;
  /** Version ranges of the dev tools the package.json names, by package name. */
  ranges: Record<string, string>;
}

/** Template files whose name must not be their real one inside vya's own package. */
const RENAMED: Record<string, string> = { gitignore: '.gitignore', 'mocharc.json': '.mocharc.json' };

/**
 * Writes a ready plugin package: the files of templates/plugin/common and of the kind's own
 * template directory, with {{placeholders}} filled in. Never writes into a non-empty directory.
 */
export async function scaffoldPlugin(request: ScaffoldRequest): Promise<string[]> {
  validatePluginName(request.name);
  await requireEmptyDir(request.dir);
  const values: Record<string, string> = {
    name: request.name,
    kind: request.kind,
    package: `vya-plugin-${request.name}`,
    className: className(request.name, request.kind),
    apiRange: `^${apiMajor(apiVersion)}.0.0`,
  };
  const written: string[] = [];
  for (const base of [join(request.templatesDir, 'common'), join(request.templatesDir, request.kind)]) {
    for (const template of await templateFiles(base)) {
      const target = join(request.dir, outputName(relative(base, template)));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, render(await readFile(template, 'utf8'), values, request.ranges, template), { flag: 'wx' });
      written.push(relative(request.dir, target));
    }
  }
  return written.sort();
}

async function requireEmptyDir(dir: string): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (!found) return;
  if (!found.isDirectory()) throw new VyaError(`${dir} exists and is not a directory`, { code: 'PLUGIN_DIR_EXISTS', exitCode: 2, hint: 'choose another place with --dir' });
  if ((await readdir(dir)).length > 0) throw new VyaError(`${dir} is not empty`, { code: 'PLUGIN_DIR_EXISTS', exitCode: 2, hint: 'choose another place with --dir; nothing was written' });
}

async function templateFiles(base: string): Promise<string[]> {
  const entries = await readdir(base, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.tmpl')).map((entry) => join(entry.parentPath, entry.name));
}

function outputName(path: string): string {
  const name = path.slice(0, -'.tmpl'.length);
  return RENAMED[name] ?? name;
}

function render(text: string, values: Record<string, string>, ranges: Record<string, string>, template: string): string {
  return text.replace(/\{\{([a-zA-Z]+|range:[@a-z0-9/._-]+)\}\}/g, (_match, key: string) => {
    const value = key.startsWith('range:') ? ranges[key.slice('range:'.length)] : values[key];
    if (value === undefined) throw new Error(`template ${template}: nothing to fill in for {{${key}}}`);
    return value;
  });
}
