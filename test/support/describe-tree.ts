import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeDetail {
  /** Include each regular file's mode (directories always have theirs). */
  fileModes?: boolean;
  /** Include mtimes in whole seconds: of files only, or of directories too. */
  times?: 'files' | 'all';
}

/**
 * Every entry of a tree, by relative path: `dir MODE [MTIME]`, `file [MODE] [MTIME] SHA256`,
 * `link -> TARGET` (the link's text, never followed) or `special`. Two trees are equal in
 * what `detail` asks for when their descriptions are deeply equal.
 */
export async function describeTree(root: string, detail: TreeDetail = {}, relative = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(join(root, relative))).sort()) {
    const path = join(relative, name);
    const full = join(root, path);
    const info = await lstat(full);
    const mode = (info.mode & 0o7777).toString(8);
    const mtime = String(Math.floor(info.mtimeMs / 1000));
    if (info.isSymbolicLink()) out[path] = `link -> ${await readlink(full)}`;
    else if (info.isDirectory()) {
      out[path] = ['dir', mode, ...(detail.times === 'all' ? [mtime] : [])].join(' ');
      Object.assign(out, await describeTree(root, detail, path));
    } else if (info.isFile()) out[path] = ['file', ...(detail.fileModes ? [mode] : []), ...(detail.times ? [mtime] : []), await sha256File(full)].join(' ');
    else out[path] = 'special';
  }
  return out;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
