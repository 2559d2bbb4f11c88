const VYA_ERROR_BRAND = Symbol.for('vya.error');

/**
 * The one error type users see. `message` is a single readable line; `hint` says what to do
 * about it. Commands print both and exit with `exitCode`; the stack only shows under --debug.
 */
export class VyaError extends Error {
  /** Marks every VyaError, whichever copy of @vya/plugin-api created it (see isVyaError). */
  readonly [VYA_ERROR_BRAND] = true;
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(message: string, options: { code?: string; hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VyaError';
    this.code = options.code ?? 'VYA_ERROR';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Raised by Sink.get/SecretStore lookups when the named thing does not exist. */
export class NotFoundError extends VyaError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, code: 'NOT_FOUND' });
    this.name = 'NotFoundError';
  }
}

/**
 * Whether `error` is a VyaError from any copy of @vya/plugin-api. A plugin installed with its
 * own copy throws errors that fail `instanceof` against the core's class, so the core asks this
 * instead: the shared brand, or the shape (string `code`, numeric `exitCode`, `message`).
 */
export function isVyaError(error: unknown): error is VyaError {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as Record<symbol, unknown>)[VYA_ERROR_BRAND] === true) return true;
  const shape = error as { code?: unknown; exitCode?: unknown; message?: unknown };
  return typeof shape.code === 'string' && typeof shape.exitCode === 'number' && typeof shape.message === 'string';
}

export function isNotFound(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'NOT_FOUND';
}

/** The text of any thrown value, for logs and reports (already single-line friendly). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The usual ways of failing to reach a server (refused, unknown host, timeout) as one line
 * and a hint naming `where` ("PostgreSQL at db1:5432"); undefined for any other error.
 */
export function unreachableError(error: unknown, where: string, host: string): VyaError | undefined {
  switch ((error as { code?: string } | null)?.code) {
    case 'ECONNREFUSED':
      return new VyaError(`cannot reach ${where}: connection refused`, { code: 'UNREACHABLE', hint: 'is the server running and listening on that address and port?' });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new VyaError(`cannot resolve host "${host}"`, { code: 'UNREACHABLE', hint: 'check sources.<name>.host' });
    case 'ETIMEDOUT':
      return new VyaError(`cannot reach ${where}: timed out`, { code: 'UNREACHABLE', hint: 'check the host, port and firewalls' });
    default:
      return undefined;
  }
}
