import { NotFoundError, VyaError } from '@vya/plugin-api';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EPIPE']);

/** One readable line for what S3 and the network say, in every method of the sink. */
export function translateS3Error(error: unknown, what: string, where: { bucket: string; endpoint?: string }, signal?: AbortSignal): Error {
  const e = error as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: { code?: string } };
  const name = e.name ?? e.Code ?? e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const endpoint = where.endpoint ?? 'of AWS';
  if (name === 'AbortError' || name === 'TimeoutError' || e.code === 'ABORT_ERR') {
    // Our own abort (SIGTERM, a job timeout) is reported by whoever aborted; any other abort
    // is the SDK or lib-storage giving up on a connection that did not answer.
    if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : (error as Error);
    return new VyaError(`cannot reach S3 endpoint ${endpoint}: no answer in time (${what})`, { code: 'UNREACHABLE', hint: 'check endpoint, region and the network (a firewall that drops packets looks like this)' });
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) return new NotFoundError(`${what}: no such object in bucket ${where.bucket}`);
  if (name === 'NoSuchBucket') return new VyaError(`bucket "${where.bucket}" does not exist`, { code: 'NO_BUCKET', hint: 'create the bucket, or fix sinks.<name>.bucket (and region/endpoint)' });
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'CredentialsProviderError') {
    return new VyaError(`S3 rejected the credentials (${name})`, { code: 'AUTH_FAILED', hint: 'check access_key_id/secret_access_key (vya secrets get NAME) or the AWS credential chain' });
  }
  if (name === 'AccessDenied' || status === 403) return new VyaError(`access denied to bucket "${where.bucket}" (${what})`, { code: 'ACCESS_DENIED', hint: 'the credentials need s3:PutObject, GetObject, ListBucket and DeleteObject on the bucket and prefix' });
  const networkCode = [e.code, name, e.cause?.code].find((code) => code !== undefined && NETWORK_CODES.has(code));
  if (networkCode || /ECONNREFUSED|ENOTFOUND|getaddrinfo|socket hang up/.test(e.message ?? '')) {
    const reason = networkCode ?? /E[A-Z]{4,}/.exec(`${e.code ?? ''} ${name} ${e.message ?? ''}`)?.[0] ?? e.message ?? name;
    return new VyaError(`cannot reach S3 endpoint ${endpoint}: ${reason}`, { code: 'UNREACHABLE', hint: 'check endpoint, region and the network' });
  }
  return new VyaError(`S3 ${what}: ${(e.message ?? String(error)).split('\n')[0]}`, { code: 'S3_ERROR', hint: 'see the S3 provider\'s status and the message; --debug shows the details', cause: error });
}
