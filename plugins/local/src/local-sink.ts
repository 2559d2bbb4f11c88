import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rename, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError, VyaError, type CheckItem, type ObjectInfo, type Sink } from '@vya/plugin-api';
import { DurableFileWriter } from './durable-file-writer.js';

const PARTIAL_MARK = '.vya-partial-';

/**
 * A directory as a repository. Writes go to a hidden partial file beside the target, are
 * fsynced, renamed into place and the directory fsynced: an object is either complete under
 * its key or absent, even across a crash.
 */
export class LocalSink implements Sink {
  constructor(readonly root: string) {}

  async put(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo> {
    await this.publish(key, data, signal, (partial, target) => rename(partial, target));
    return this.statOf(key);
  }

  /**
   * link(2) of the complete, fsynced partial file fails with EEXIST when the key exists, as
   * one atomic step of the file system (also over NFSv3+), and the object is complete when
   * it appears, unlike an O_EXCL create that is then filled.
   */
  async putIfAbsent(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    let created = true;
    await this.publish(key, data, signal, async (partial, target) => {
      try {
        await link(partial, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        created = false;
      }
      await unlink(partial);
    });
    return created ? this.statOf(key) : undefined;
  }

  /** Writes `data` to a fsynced partial file beside the key, then `place` moves it there. */
  private async publish(key: string, data: Readable, signal: AbortSignal | undefined, place: (partial: string, target: string) => Promise<void>): Promise<void> {
    const target = this.pathOf(key);
    const directory = dirname(target);
    const partial = `${target}${PARTIAL_MARK}${randomBytes(4).toString('hex')}`;
    try {
      await refusePseudoFilesystem(this.root);
      const handle = await this.openPartial(directory, partial);
      try {
        await pipeline(data, new DurableFileWriter(handle), { signal });
      } finally {
        await handle.close();
      }
      await place(partial, target);
      await syncPath(directory);
    } catch (error) {
      await unlink(partial).catch(() => {});
      throw translate(error, key);
    }
  }

  /**
   * Another process deleting the last object of a directory removes the directory (see
   * delete) and may do so between our mkdir and open: then make it again. Opening before
   * reading `data` means a retry never loses bytes.
   */
  private async openPartial(directory: string, partial: string) {
    for (let attempt = 0; ; attempt++) {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      try {
        return await open(partial, 'wx', 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw error;
      }
    }
  }

  private async statOf(key: string): Promise<ObjectInfo> {
    const info = await stat(this.pathOf(key));
    return { key, size: info.size, modified: info.mtime };
  }

  async get(key: string): Promise<Readable> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream({ highWaterMark: 1024 * 1024 });
    } catch (error) {
      throw translate(error, key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    yield* this.listWhere(prefix, (name) => !name.includes(PARTIAL_MARK));
  }

  /** Partial files (`<key>.vya-partial-<hex>`) a killed process left behind, for `vya prune --orphans`. */
  async *listPartial(prefix: string): AsyncIterable<ObjectInfo> {
    yield* this.listWhere(prefix, (name) => name.includes(PARTIAL_MARK));
  }

  private async *listWhere(prefix: string, wanted: (name: string) => boolean): AsyncIterable<ObjectInfo> {
    // Walk only the deepest directory the prefix names, not the whole repository.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    for await (const info of this.walk(base, wanted)) {
      if (info.key.startsWith(prefix)) yield info;
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { key, size: info.size, modified: info.mtime } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw translate(error, key);
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw translate(error, key);
    }
    await this.removeEmptyParents(dirname(path));
  }

  async check(): Promise<CheckItem[]> {
    try {
      await refusePseudoFilesystem(this.root);
      await mkdir(this.root, { recursive: true, mode: 0o700 });
      const fs = await statfs(this.root);
      const free = Number(fs.bavail) * Number(fs.bsize);
      return [{ name: 'directory', ok: true, detail: `${this.root} (${(free / 1024 ** 3).toFixed(1)} GiB free)` }];
    } catch (error) {
      if (error instanceof VyaError) return [{ name: 'directory', ok: false, detail: error.message, hint: error.hint }];
      return [{ name: 'directory', ok: false, detail: `${this.root}: ${(error as Error).message}`, hint: 'create the directory or fix its permissions' }];
    }
  }

  private async *walk(relative: string, wanted: (name: string) => boolean): AsyncIterable<ObjectInfo> {
    let entries;
    try {
      entries = await readdir(join(this.root, relative), { withFileTypes: true });
    } catch (error) {
      if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
      throw translate(error, relative);
    }
    for (const entry of entries) {
      const key = `${relative}${entry.name}`;
      if (entry.isDirectory()) yield* this.walk(`${key}/`, wanted);
      else if (entry.isFile() && wanted(entry.name)) {
        const info = await stat(join(this.root, key)).catch(() => undefined);
        if (info) yield { key, size: info.size, modified: info.mtime };
      }
    }
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep) || key.split('/').some((part) => part === '..' || part === '')) {
      throw new VyaError(`invalid key "${key}"`, { code: 'INVALID_KEY', hint: 'keys are relative paths inside the repository' });
    }
    return path;
  }

  private async removeEmptyParents(directory: string): Promise<void> {
    let current = directory;
    while (current.startsWith(this.root + sep)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }
}

// statfs f_type of kernel pseudo-filesystems: no place for backups, and recursive mkdir under
// /proc loops forever (mkdir answers ENOENT, its parent EEXIST).
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
]);

/** Refuses a repository on a pseudo-filesystem, judged at the root or its nearest existing ancestor. */
async function refusePseudoFilesystem(root: string): Promise<void> {
  let path = root;
  for (;;) {
    const fs = await statfs(path).catch(() => undefined);
    if (fs) {
      const kind = PSEUDO_FILESYSTEMS.get(Number(fs.type));
      if (kind) throw new VyaError(`local repository ${root} is on the ${kind} pseudo-filesystem`, { code: 'BAD_REPOSITORY', exitCode: 2, hint: 'set the sink path to a directory on a real disk' });
      return;
    }
    if (dirname(path) === path) return;
    path = dirname(path);
  }
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function translate(error: unknown, key: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new NotFoundError(`no object "${key}" in the local repository`);
  if (code === 'ENOSPC') return new VyaError(`local repository is full while writing "${key}"`, { code: 'NO_SPACE', hint: 'free space or prune old snapshots (vya prune)' });
  if (code === 'EACCES' || code === 'EPERM') return new VyaError(`permission denied for "${key}" in the local repository`, { code: 'ACCESS_DENIED', hint: 'check the owner and mode of the repository directory' });
  return error as Error;
}
