import { NotFoundError, VyaError } from 'vya/plugin-api';

/** One readable line for what S3 and the network say, in every method of the sink. */
export function translateS3Error(error: unknown, what: string, where: { bucket: string; endpoint?: string }): Error {
  const e = error as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? e.Code ?? e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'AbortError') return error as Error;
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) return new NotFoundError(`${what}: no such object in bucket ${where.bucket}`);
  if (name === 'NoSuchBucket') return new VyaError(`bucket "${where.bucket}" does not exist`, { code: 'NO_BUCKET', hint: 'create the bucket, or fix sinks.<name>.bucket (and region/endpoint)' });
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'CredentialsProviderError') {
    return new VyaError(`S3 rejected the credentials (${name})`, { code: 'AUTH_FAILED', hint: 'check access_key_id/secret_access_key (vya secrets get NAME) or the AWS credential chain' });
  }
  if (name === 'AccessDenied' || status === 403) return new VyaError(`access denied to bucket "${where.bucket}" (${what})`, { code: 'ACCESS_DENIED', hint: 'the credentials need s3:PutObject, GetObject, ListBucket and DeleteObject on the bucket and prefix' });
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET'].includes(name) || /ECONNREFUSED|ENOTFOUND|getaddrinfo/.test(e.message ?? '')) {
    const reason = /E[A-Z]{4,}/.exec(`${e.code ?? ''} ${name} ${e.message ?? ''}`)?.[0] ?? e.message ?? name;
    return new VyaError(`cannot reach S3 endpoint ${where.endpoint ?? 'of AWS'}: ${reason}`, { code: 'UNREACHABLE', hint: 'check endpoint, region and the network' });
  }
  return new VyaError(`S3 ${what}: ${e.message ?? String(error)}`, { code: 'S3_ERROR', cause: error });
}
