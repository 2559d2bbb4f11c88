import type { Attributes, FileEntry, OpenMode, SFTPWrapper } from 'ssh2';

// SFTP v3 status codes (draft-ietf-secsh-filexfer-02, section 7).
export const NO_SUCH_FILE = 2;
export const PERMISSION_DENIED = 3;
export const FAILURE = 4;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export const isFile = (attrs: Attributes) => (attrs.mode & S_IFMT) === S_IFREG;
export const isDirectory = (attrs: Attributes) => (attrs.mode & S_IFMT) === S_IFDIR;

export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The SFTP requests the sink uses, as promises. ssh2 throws synchronously for an extension the
 * server lacks; that becomes a rejection too.
 */
export class Remote {
  constructor(private readonly sftp: SFTPWrapper) {}

  has(extension: string): boolean {
    return Boolean((this.sftp as unknown as { _extensions?: Record<string, string> })._extensions?.[extension]);
  }

  open(path: string, flags: OpenMode, mode?: number): Promise<Buffer> {
    return call((cb) => this.sftp.open(path, flags, mode === undefined ? {} : { mode }, cb));
  }

  write(handle: Buffer, data: Buffer, position: number): Promise<void> {
    return call<void>((cb) => this.sftp.write(handle, data, 0, data.length, position, (error) => cb(error, undefined)));
  }

  fsync(handle: Buffer): Promise<void> {
    return call<unknown>((cb) => this.sftp.ext_openssh_fsync(handle, cb)).then(() => undefined);
  }

  close(handle: Buffer): Promise<void> {
    return call<void>((cb) => this.sftp.close(handle, cb));
  }

  stat(path: string): Promise<Attributes> {
    return call((cb) => this.sftp.stat(path, cb));
  }

  readdir(path: string): Promise<FileEntry[]> {
    return call((cb) => this.sftp.readdir(path, cb));
  }

  mkdir(path: string): Promise<void> {
    return call<void>((cb) => this.sftp.mkdir(path, { mode: 0o700 }, cb));
  }

  rmdir(path: string): Promise<void> {
    return call<void>((cb) => this.sftp.rmdir(path, cb));
  }

  unlink(path: string): Promise<void> {
    return call<void>((cb) => this.sftp.unlink(path, cb));
  }

  /** rename(2), replacing the target (posix-rename@openssh.com). */
  posixRename(from: string, to: string): Promise<void> {
    return call<void>((cb) => this.sftp.ext_openssh_rename(from, to, cb));
  }

  /** SSH_FXP_RENAME, which SFTP v3 defines to fail when the target exists. */
  rename(from: string, to: string): Promise<void> {
    return call<void>((cb) => this.sftp.rename(from, to, cb));
  }

  /** link(2) (hardlink@openssh.com): fails when `to` exists. */
  hardlink(from: string, to: string): Promise<void> {
    return call<void>((cb) => this.sftp.ext_openssh_hardlink(from, to, cb));
  }

  realpath(path: string): Promise<string> {
    return call((cb) => this.sftp.realpath(path, cb));
  }

  statvfs(path: string): Promise<{ bsize: number; bavail: number; frsize?: number }> {
    return call((cb) => this.sftp.ext_openssh_statvfs(path, cb));
  }

  /** Up to `length` bytes at `position`; fewer when the server sends less, none at the end of the file. */
  read(handle: Buffer, length: number, position: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      try {
        this.sftp.read(handle, Buffer.allocUnsafe(length), 0, length, position, (error, bytes, buffer) => (error ? reject(error) : resolve(buffer.subarray(0, bytes))));
      } catch (error) {
        reject(error as Error);
      }
    });
  }
}

function call<T>(start: (callback: (error: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    try {
      start((error, value) => (error ? reject(error) : resolve(value)));
    } catch (error) {
      reject(error as Error);
    }
  });
}
