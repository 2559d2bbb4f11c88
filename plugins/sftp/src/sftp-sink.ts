import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { NotFoundError, VyaError, formatBytes, type CheckItem, type ObjectInfo, type Sink } from '@vya/plugin-api';
import { connect, describeServer, type Connection, type ServerOptions } from './connection.js';
import type { HostKeyPolicy } from './host-key.js';
import { NO_SUCH_FILE, PERMISSION_DENIED, Remote, isDirectory, isFile, statusOf } from './remote.js';

const PARTIAL_MARK = '.vya-partial-';
// Writes in flight per upload, and their size: bounds memory to about 1 MiB per upload while
// keeping the link busy (one write per round trip would crawl on a distant server).
const WRITE_BLOCK = 128 * 1024;
const WRITES_IN_FLIGHT = 8;
const READ_BLOCK = 128 * 1024;
const READS_IN_FLIGHT = 8;

/** Where trust comes from before it is loaded: a known_hosts file is read when connecting. */
export type HostKeySetting = Exclude<HostKeyPolicy, { kind: 'known-hosts' }> | { kind: 'known-hosts'; path: string };

export interface SftpSinkOptions extends Omit<ServerOptions, 'hostKey'> {
  hostKey: HostKeySetting;
  /** The repository's directory on the server; a relative one is relative to the login directory. */
  root: string;
}

interface Session {
  connection: Connection;
  remote: Remote;
}

/**
 * A directory on an SSH server as a repository, over one SFTP connection made on first use
 * (and made again after it drops). Uploads go to a partial file beside the key, are fsynced
 * and renamed into place, so an object is complete under its key or absent.
 */
export class SftpSink implements Sink {
  readonly root: string;
  private pending?: Promise<Session>;

  constructor(readonly options: SftpSinkOptions) {
    this.root = options.root === '/' ? '/' : options.root.replace(/\/+$/, '') || '.';
  }

  async put(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    await this.publish(key, data, signal, (remote, partial) => replace(remote, partial, target));
    return this.statOf(key);
  }

  /**
   * link(2) of the complete, fsynced partial file (hardlink@openssh.com) fails when the key
   * exists, as one atomic step of the server's file system. Without that extension, the SFTP
   * rename request, which SFTP v3 defines to fail on an existing target (OpenSSH implements
   * it with link(2) too).
   */
  async putIfAbsent(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    const target = this.pathOf(key);
    let created = true;
    await this.publish(key, data, signal, async (remote, partial) => {
      const viaLink = remote.has('hardlink@openssh.com');
      try {
        await (viaLink ? remote.hardlink(partial, target) : remote.rename(partial, target));
      } catch (error) {
        // The server says only "failure" for EEXIST: tell it apart by looking, after the fact.
        if (statusOf(error) === undefined || !(await exists(remote, target))) throw error;
        created = false;
      }
      if (viaLink || !created) await remote.unlink(partial);
    });
    return created ? this.statOf(key) : undefined;
  }

  /** Writes `data` to a partial file beside the key, then `place` moves it there; on failure removes it if it can. */
  private async publish(key: string, data: Readable, signal: AbortSignal | undefined, place: (remote: Remote, partial: string) => Promise<void>): Promise<void> {
    const partial = `${this.pathOf(key)}${PARTIAL_MARK}${randomBytes(4).toString('hex')}`;
    const what = `writing "${key}"`;
    let session: Session | undefined;
    let handle: Buffer | undefined;
    try {
      session = await this.session();
      const { remote } = session;
      handle = await this.openPartial(remote, partial);
      const lostSignal = session.connection.lostSignal;
      await writeAll(remote, handle, data, signal ? AbortSignal.any([signal, lostSignal]) : lostSignal);
      if (remote.has('fsync@openssh.com')) await remote.fsync(handle);
      const written = handle;
      handle = undefined;
      await remote.close(written);
      await place(remote, partial);
    } catch (error) {
      data.destroy();
      if (session && !session.connection.lost) {
        if (handle) await session.remote.close(handle).catch(() => {});
        await session.remote.unlink(partial).catch(() => {});
      }
      throw this.translate(error, what, session, signal);
    }
  }

  /**
   * Another process deleting the last object of a directory removes the directory (see
   * delete), maybe between our mkdir and open: then make it again.
   */
  private async openPartial(remote: Remote, partial: string): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await remote.open(partial, 'wx', 0o600);
      } catch (error) {
        if (statusOf(error) !== NO_SUCH_FILE || attempt >= 5) throw error;
      }
      await makeDirectories(remote, posix.dirname(partial));
    }
  }

  async get(key: string, signal?: AbortSignal): Promise<Readable> {
    const path = this.pathOf(key);
    const what = `reading "${key}"`;
    signal?.throwIfAborted();
    const session = await this.sessionFor(what);
    let handle: Buffer;
    try {
      handle = await session.remote.open(path, 'r');
    } catch (error) {
      throw this.translate(error, what, session, signal);
    }
    const translate = (error: unknown) => this.translate(error, what, session, signal);
    const readable = Readable.from(relayed(readAhead(session.remote, handle), translate), { objectMode: false, highWaterMark: 256 * 1024 });
    return signal ? addAbortSignal(signal, readable) : readable;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    yield* this.listWhere(prefix, (name) => !name.includes(PARTIAL_MARK));
  }

  /** Partial files (`<key>.vya-partial-<hex>`) an interrupted upload left behind, for `vya prune --orphans`. */
  async *listPartial(prefix: string): AsyncIterable<ObjectInfo> {
    yield* this.listWhere(prefix, (name) => name.includes(PARTIAL_MARK));
  }

  private async *listWhere(prefix: string, wanted: (name: string) => boolean): AsyncIterable<ObjectInfo> {
    // Walk only the deepest directory the prefix names, not the whole repository.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    if (base) this.pathOf(base.slice(0, -1));
    const session = await this.sessionFor(`listing "${prefix}"`);
    for await (const info of this.walk(session, base, wanted)) {
      if (info.key.startsWith(prefix)) yield info;
    }
  }

  private async *walk(session: Session, relative: string, wanted: (name: string) => boolean): AsyncIterable<ObjectInfo> {
    let entries;
    try {
      entries = await session.remote.readdir(relative ? posix.join(this.root, relative) : this.root);
    } catch (error) {
      if (statusOf(error) === NO_SUCH_FILE) return;
      throw this.translate(error, `listing "${relative}"`, session);
    }
    for (const { filename, attrs } of entries) {
      if (filename === '.' || filename === '..') continue;
      const key = `${relative}${filename}`;
      if (isDirectory(attrs)) yield* this.walk(session, `${key}/`, wanted);
      else if (isFile(attrs) && wanted(filename)) yield { key, size: attrs.size, modified: new Date(attrs.mtime * 1000) };
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const what = `looking up "${key}"`;
    const session = await this.sessionFor(what);
    try {
      const attrs = await session.remote.stat(this.pathOf(key));
      return isFile(attrs) ? { key, size: attrs.size, modified: new Date(attrs.mtime * 1000) } : undefined;
    } catch (error) {
      if (statusOf(error) === NO_SUCH_FILE) return undefined;
      throw this.translate(error, what, session);
    }
  }

  private async statOf(key: string): Promise<ObjectInfo> {
    const info = await this.stat(key);
    if (!info) throw new VyaError(`"${key}" vanished from SFTP server ${describeServer(this.options)} right after it was written`, { code: 'SFTP_ERROR', hint: 'another process is deleting in the repository' });
    return info;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    const what = `deleting "${key}"`;
    const session = await this.sessionFor(what);
    try {
      await session.remote.unlink(path);
    } catch (error) {
      if (statusOf(error) !== NO_SUCH_FILE) throw this.translate(error, what, session);
    }
    await this.removeEmptyParents(session.remote, posix.dirname(path));
  }

  async check(): Promise<CheckItem[]> {
    const server = `${this.options.username}@${describeServer(this.options)}`;
    let session: Session;
    try {
      session = await this.session();
    } catch (error) {
      const e = this.translate(error, 'connecting');
      return [{ name: 'server', ok: false, detail: e.message, hint: (e as VyaError).hint }];
    }
    const trust = this.options.hostKey.kind === 'insecure-any' ? 'NOT verified: insecure_accept_any_host_key' : 'verified';
    const items: CheckItem[] = [{ name: 'server', ok: true, detail: `${server}, host key ${session.connection.hostKeyFingerprint} (${trust})` }];
    try {
      await makeDirectories(session.remote, this.root);
      const absolute = await session.remote.realpath(this.root);
      const free = session.remote.has('statvfs@openssh.com') ? await session.remote.statvfs(absolute).catch(() => undefined) : undefined;
      items.push({ name: 'directory', ok: true, detail: free ? `${absolute} (${formatBytes(Number(free.bavail) * Number(free.frsize || free.bsize))} free)` : absolute });
    } catch (error) {
      const e = this.translate(error, `creating the directory "${this.root}"`, session);
      items.push({ name: 'directory', ok: false, detail: e.message, hint: (e as VyaError).hint ?? 'create the directory or fix its permissions' });
    }
    return items;
  }

  async close(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    const session = await pending?.catch(() => undefined);
    session?.connection.end();
  }

  /** The one live connection, made on first use and again after the last one dropped. */
  private async session(): Promise<Session> {
    for (;;) {
      const pending = this.pending ?? this.startSession();
      const session = await pending;
      if (!session.connection.lost) return session;
      if (this.pending === pending) this.pending = undefined;
    }
  }

  private async sessionFor(what: string): Promise<Session> {
    try {
      return await this.session();
    } catch (error) {
      throw this.translate(error, what);
    }
  }

  private startSession(): Promise<Session> {
    const attempt = (async () => {
      const hostKey = await this.loadHostKeyPolicy();
      const connection = await connect({ ...this.options, hostKey });
      return { connection, remote: new Remote(connection.sftp) };
    })();
    this.pending = attempt;
    attempt.catch(() => {
      if (this.pending === attempt) this.pending = undefined;
    });
    return attempt;
  }

  private async loadHostKeyPolicy(): Promise<HostKeyPolicy> {
    const setting = this.options.hostKey;
    if (setting.kind !== 'known-hosts') return setting;
    try {
      return { ...setting, text: await readFile(setting.path, 'utf8') };
    } catch (error) {
      throw new VyaError(`cannot read known_hosts file ${setting.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        code: 'BAD_CONFIG',
        hint: 'create it with ssh-keyscan after checking the fingerprint out of band, or set host_key instead',
      });
    }
  }

  private pathOf(key: string): string {
    if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      throw new VyaError(`invalid key "${key}"`, { code: 'INVALID_KEY', hint: 'keys are relative paths inside the repository' });
    }
    return this.root === '/' ? `/${key}` : `${this.root}/${key}`;
  }

  private async removeEmptyParents(remote: Remote, directory: string): Promise<void> {
    const inside = this.root === '/' ? '/' : `${this.root}/`;
    let current = directory;
    while (current.startsWith(inside) && current !== this.root) {
      try {
        await remote.rmdir(current);
      } catch {
        return;
      }
      current = posix.dirname(current);
    }
  }

  private translate(error: unknown, what: string, session?: Session, signal?: AbortSignal): Error {
    const where = describeServer(this.options);
    const message = (error as Error | undefined)?.message ?? String(error);
    const status = statusOf(error);
    // A dropped connection first: the core aborts its own signal when the upload fails, and
    // the drop is the reason worth telling.
    if (session?.connection.lost || (status === undefined && !(error instanceof VyaError) && /No response from server|Not connected|Channel|ECONNRESET|EPIPE/i.test(message))) {
      return new VyaError(`SFTP connection to ${where} was lost while ${what}`, {
        code: 'UNREACHABLE',
        hint: 'the server closed the connection or the network failed; nothing was stored under that key, and a partial file the server kept is removed by vya prune --orphans',
      });
    }
    if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
    if (error instanceof VyaError) return error;
    if (status === NO_SUCH_FILE) return new NotFoundError(`no object found ${what.replace(/^\w+ /, '')} on SFTP server ${where}`);
    if (status === PERMISSION_DENIED) return new VyaError(`permission denied on SFTP server ${where} (${what})`, { code: 'ACCESS_DENIED', hint: `check the owner and mode of ${this.root} on the server` });
    return new VyaError(`SFTP server ${where}, ${what}: ${message.split('\n')[0]}`, { code: 'SFTP_ERROR', hint: 'see the message and the server\'s logs; --debug shows more', cause: error });
  }

}

/** rename(2) over the target; a server without posix-rename gets remove-then-rename (the key is briefly absent). */
async function replace(remote: Remote, partial: string, target: string): Promise<void> {
  if (remote.has('posix-rename@openssh.com')) return remote.posixRename(partial, target);
  try {
    await remote.rename(partial, target);
  } catch (error) {
    if (statusOf(error) === undefined) throw error;
    await remote.unlink(target).catch(() => {});
    await remote.rename(partial, target);
  }
}

/**
 * Streams `data` into the open file with a few writes in flight, reading on only as writes
 * finish, so memory stays bounded whatever the size.
 */
async function writeAll(remote: Remote, handle: Buffer, data: Readable, signal?: AbortSignal): Promise<void> {
  // Checked first: addAbortSignal on an aborted signal destroys `data` before anyone listens.
  signal?.throwIfAborted();
  if (signal) addAbortSignal(signal, data);
  let position = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const send = async (block: Buffer) => {
    const write: Promise<void> = remote
      .write(handle, block, position)
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(write));
    position += block.length;
    inFlight.add(write);
    if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
    if (failure) throw failure;
  };
  let held: Buffer[] = [];
  let heldBytes = 0;
  try {
    for await (const chunk of data) {
      let buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      while (heldBytes + buffer.length >= WRITE_BLOCK) {
        const take = WRITE_BLOCK - heldBytes;
        await send(held.length ? Buffer.concat([...held, buffer.subarray(0, take)]) : buffer.subarray(0, take));
        held = [];
        heldBytes = 0;
        buffer = buffer.subarray(take);
      }
      if (buffer.length) {
        held.push(buffer);
        heldBytes += buffer.length;
      }
    }
    if (heldBytes) await send(Buffer.concat(held));
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure;
}

/** `mkdir -p` over SFTP: each missing level made in turn; an existing directory is fine. */
async function makeDirectories(remote: Remote, directory: string): Promise<void> {
  const parts = directory.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const path = parts.slice(0, i).join('/');
    if (path === '' || path === '.') continue;
    try {
      await remote.mkdir(path);
    } catch (error) {
      const attrs = await remote.stat(path).catch(() => undefined);
      if (!attrs || !isDirectory(attrs)) throw error;
    }
  }
}

async function exists(remote: Remote, path: string): Promise<boolean> {
  return remote.stat(path).then(
    () => true,
    (error: unknown) => {
      if (statusOf(error) === NO_SUCH_FILE) return false;
      throw error;
    },
  );
}

/**
 * The file from its start, with a few reads in flight ahead of the consumer (one read per
 * round trip would crawl); closes the handle when done or abandoned.
 */
async function* readAhead(remote: Remote, handle: Buffer): AsyncIterable<Buffer> {
  let next = 0;
  const queue: { position: number; read: Promise<Buffer> }[] = [];
  const ask = () => {
    const read = remote.read(handle, READ_BLOCK, next);
    read.catch(() => {});
    queue.push({ position: next, read });
    next += READ_BLOCK;
  };
  try {
    for (let i = 0; i < READS_IN_FLIGHT; i++) ask();
    for (;;) {
      const { position, read } = queue.shift()!;
      const data = await read;
      if (data.length === 0) return;
      yield data;
      // A server may answer with less than asked: fetch the rest of this block before the next.
      for (let got = data.length; got < READ_BLOCK; ) {
        const more = await remote.read(handle, READ_BLOCK - got, position + got);
        if (more.length === 0) return;
        yield more;
        got += more.length;
      }
      ask();
    }
  } finally {
    await Promise.allSettled(queue.map((entry) => entry.read));
    await remote.close(handle).catch(() => {});
  }
}

async function* relayed(stream: AsyncIterable<Buffer>, translate: (error: unknown) => Error): AsyncIterable<Buffer> {
  try {
    yield* stream;
  } catch (error) {
    throw translate(error);
  }
}
