import { errorMessage, VyaError } from '@vya/plugin-api';

interface TarLikeError {
  code?: unknown;
  tarCode?: unknown;
  path?: unknown;
  syscall?: unknown;
}

/**
 * One readable line for whatever stopped a restore: node-tar's codes (TAR_ENTRY_ERROR,
 * TAR_BAD_ARCHIVE) and errno codes never reach the user raw, and the hint says the target
 * was left as it was, which the staging directory guarantees.
 */
export function describeRestoreError(error: unknown, unit: string, directory: string): VyaError {
  const untouched = `nothing was changed in ${directory}`;
  if (error instanceof VyaError) {
    if (error.hint?.includes('nothing was')) return error;
    const hint = error.hint ? `${untouched}; ${error.hint}` : untouched;
    return new VyaError(error.message, { code: error.code, exitCode: error.exitCode, hint, cause: error });
  }
  const details = (error ?? {}) as TarLikeError;
  if (typeof details.tarCode === 'string') {
    const reason = errorMessage(error).replace(/^TAR_[A-Z_]+:\s*/, '');
    return new VyaError(`snapshot ${unit} could not be extracted: ${reason}`, { code: 'EXTRACT_FAILED', hint: `${untouched}; run \`vya verify\` on the snapshot`, cause: error });
  }
  const errno = typeof details.code === 'string' ? details.code : undefined;
  if (errno === 'ENOSPC') return new VyaError(`no space left on the device of ${directory}`, { code: 'NO_SPACE', hint: `${untouched}; free space or restore elsewhere`, cause: error });
  if (errno === 'EACCES' || errno === 'EPERM') return new VyaError(`permission denied writing into ${directory}`, { code: 'PERMISSION_DENIED', hint: `${untouched}; run vya as a user that may write there`, cause: error });
  const code = errno && /^[A-Z_]+$/.test(errno) && !errno.startsWith('E') ? errno : 'RESTORE_FAILED';
  return new VyaError(`restoring ${unit} failed: ${errorMessage(error)}`, { code, hint: untouched, cause: error });
}

/** The target directory cannot be used: not a directory, not writable, a parent is a file. */
export function targetError(error: unknown, target: string): VyaError {
  if (error instanceof VyaError) return error;
  const code = (error as TarLikeError).code;
  if (code === 'ENOTDIR' || code === 'EEXIST') return new VyaError(`--to ${target} is not a directory (or lies under a file)`, { code: 'TARGET_NOT_DIRECTORY', exitCode: 2, hint: 'file snapshots restore into a directory: pass --to DIR (it is created when missing)' });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new VyaError(`cannot write into --to ${target}: ${code === 'EROFS' ? 'read-only filesystem' : 'permission denied'}`, { code: 'PERMISSION_DENIED', exitCode: 2, hint: 'choose a directory vya may write to' });
  return new VyaError(`cannot use --to ${target}: ${errorMessage(error)}`, { code: 'TARGET_UNUSABLE', exitCode: 2, hint: 'pass --to with a directory' });
}
