import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { apiMajor, apiVersion, errorMessage, VyaError } from '@vya/plugin-api';
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
  // Written beside the target and renamed into place: a failure leaves no half package.
  const staging = join(dirname(request.dir), `.${basename(request.dir)}.vya-new-${randomBytes(4).toString('hex')}`);
  await createStaging(staging);
  try {
    const written = await writeTemplates(request, values, staging);
    await rmdir(request.dir).catch(() => undefined);
    await rename(staging, request.dir);
    return written.sort();
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The staging directory, with its parents; a place that cannot hold one is a clear error. */
async function createStaging(staging: string): Promise<void> {
  try {
    const parent = dirname(staging);
    // Only when missing: recursive mkdir never settles on some pseudo file systems (/proc).
    if (!(await stat(parent).catch(() => undefined))) await mkdir(parent, { recursive: true });
    await mkdir(staging);
  } catch (error) {
    throw new VyaError(`cannot create the plugin package in ${dirname(staging)}: ${errorMessage(error)}`, { code: 'PLUGIN_DIR_UNWRITABLE', exitCode: 1, hint: 'choose a writable place with --dir' });
  }
}

async function writeTemplates(request: ScaffoldRequest, values: Record<string, string>, into: string): Promise<string[]> {
  const written: string[] = [];
  for (const base of [join(request.templatesDir, 'common'), join(request.templatesDir, request.kind)]) {
    for (const template of await templateFiles(base)) {
      const target = join(into, outputName(relative(base, template)));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, render(await readFile(template, 'utf8'), values, request.ranges, template), { flag: 'wx' });
      written.push(relative(into, target));
    }
  }
  return written;
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
