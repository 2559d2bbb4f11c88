import { EventEmitter, setMaxListeners } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage, type Bucket, type StorageOptions } from '@google-cloud/storage';
import { errorMessage, NotFoundError, VyaError, type CheckItem, type ObjectInfo, type Sink } from '@vya/plugin-api';

export interface GcsSinkConfig {
  bucket: string;
  prefix: string;
  projectId?: string;
  credentials?: Record<string, unknown>;
  keyFile?: string;
  apiEndpoint?: string;
  storageClass?: string;
  chunkSizeBytes: number;
  maxRetries: number;
}

/**
 * A Google Cloud Storage bucket (and prefix). Uploads are resumable sessions fed from the
 * stream in chunks: an object exists only once its session completes, and a failed or
 * aborted upload leaves nothing in the bucket.
 */
export class GcsSink implements Sink {
  private readonly bucket: Bucket;

  constructor(readonly config: GcsSinkConfig) {
    const options: StorageOptions = {
      projectId: config.projectId,
      credentials: config.credentials as StorageOptions['credentials'],
      keyFilename: config.keyFile,
      apiEndpoint: config.apiEndpoint,
      // The client treats maxRetries 0 as "use the default", so no retries is autoRetry off.
      retryOptions: { autoRetry: config.maxRetries > 0, maxRetries: config.maxRetries },
    };
    this.bucket = new Storage(options).bucket(config.bucket);
  }

  async put(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo> {
    await this.upload(key, data, signal);
    return this.statAfterWrite(key);
  }

  /**
   * ifGenerationMatch=0: GCS creates the object only if the name has no live generation,
   * and answers 412 Precondition Failed otherwise, checked when the upload completes.
   */
  async putIfAbsent(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    try {
      await this.upload(key, data, signal, 0);
    } catch (error) {
      if (error instanceof VyaError && error.code === 'PRECONDITION_FAILED') return undefined;
      throw error;
    }
    return this.statAfterWrite(key);
  }

  private async upload(key: string, data: Readable, signal: AbortSignal | undefined, ifGenerationMatch?: number): Promise<void> {
    const file = this.bucket.file(this.objectKey(key));
    const upload = file.createWriteStream({
      resumable: true,
      chunkSize: this.config.chunkSizeBytes,
      validation: 'md5',
      metadata: { contentType: 'application/octet-stream', ...(this.config.storageClass ? { storageClass: this.config.storageClass } : {}) },
      ...(ifGenerationMatch === undefined ? {} : { preconditionOpts: { ifGenerationMatch } }),
    });
    try {
      // Chunks are buffered by the client (chunk_size_mb); the PassThrough keeps backpressure honest.
      await pipeline(data, new PassThrough(), upload, { signal });
    } catch (error) {
      upload.destroy();
      throw this.translate(error, `upload of ${key}`);
    }
  }

  private async statAfterWrite(key: string): Promise<ObjectInfo> {
    const info = await this.stat(key);
    if (!info) throw new VyaError(`GCS upload of ${key}: the object is not there after the upload`, { code: 'GCS_ERROR', hint: 'something deleted the object right after it was written' });
    return info;
  }

  async get(key: string): Promise<Readable> {
    const file = this.bucket.file(this.objectKey(key));
    // Fail before returning a stream, so a missing object is a NotFoundError, not a stream error.
    await this.stat(key).then((info) => {
      if (!info) throw new NotFoundError(`no object "${key}" in bucket ${this.config.bucket}`);
    });
    const download = file.createReadStream({ validation: false });
    download.on('response', allowLibraryListeners);
    return download;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let pageToken: string | undefined;
    do {
      let files;
      let next;
      try {
        [files, next] = await this.bucket.getFiles({ prefix: this.objectKey(prefix), autoPaginate: false, maxResults: 1000, pageToken });
      } catch (error) {
        throw this.translate(error, `list ${prefix}`);
      }
      for (const file of files) {
        yield { key: file.name.slice(this.config.prefix.length), size: Number(file.metadata.size ?? 0), modified: updatedOf(file.metadata.updated, file.name) };
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const [metadata] = await this.bucket.file(this.objectKey(key)).getMetadata();
      return { key, size: Number(metadata.size ?? 0), modified: updatedOf(metadata.updated, key) };
    } catch (error) {
      if ((error as { code?: number }).code === 404 && !isMissingBucket(errorMessage(error))) return undefined;
      throw this.translate(error, `stat ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.bucket.file(this.objectKey(key)).delete({ ignoreNotFound: true });
    } catch (error) {
      throw this.translate(error, `delete ${key}`);
    }
  }

  async check(): Promise<CheckItem[]> {
    try {
      const [exists] = await this.bucket.exists();
      if (!exists) return [{ name: 'bucket', ok: false, detail: `bucket "${this.config.bucket}" does not exist`, hint: 'create the bucket, or fix sinks.<name>.bucket' }];
      return [{ name: 'bucket', ok: true, detail: `gs://${this.config.bucket}/${this.config.prefix} reachable${this.config.apiEndpoint ? ` at ${this.config.apiEndpoint}` : ''}` }];
    } catch (error) {
      const translated = this.translate(error, 'bucket check');
      return [{ name: 'bucket', ok: false, detail: errorMessage(translated), hint: (translated as { hint?: string }).hint }];
    }
  }

  private objectKey(key: string): string {
    return `${this.config.prefix}${key}`;
  }

  private translate(error: unknown, what: string): Error {
    if (error instanceof VyaError) return error;
    const e = error as { code?: number | string; status?: number; message?: string; name?: string; response?: { status?: number; data?: unknown } };
    if (e.name === 'AbortError') return error as Error;
    const body = e.response?.data as { error?: { message?: string } } | string | undefined;
    const serverMessage = typeof body === 'string' ? (/"message":\s*"([^"]+)"/.exec(body)?.[1] ?? '') : (body?.error?.message ?? '');
    const message = `${e.message ?? String(error)} ${serverMessage}`.trim();
    const status = Number(e.code) || e.status || e.response?.status;
    if (status === 404 && isMissingBucket(message)) return new VyaError(`bucket "${this.config.bucket}" does not exist`, { code: 'NO_BUCKET', hint: 'create the bucket, or fix sinks.<name>.bucket' });
    if (status === 412) return new VyaError(`GCS ${what}: the object already exists`, { code: 'PRECONDITION_FAILED' });
    if (status === 404) return new NotFoundError(`${what}: no such object in bucket ${this.config.bucket}`);
    if (status === 401 || status === 403) return new VyaError(`access denied to bucket "${this.config.bucket}" (${what})`, { code: 'ACCESS_DENIED', hint: 'the service account needs storage.objects.create/get/list/delete on the bucket (roles/storage.objectAdmin)' });
    if (typeof e.code === 'string' && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT/.test(e.code + message)) {
      return new VyaError(`cannot reach Google Cloud Storage${this.config.apiEndpoint ? ` at ${this.config.apiEndpoint}` : ''}: ${e.code}`, { code: 'UNREACHABLE', hint: 'check api_endpoint and the network' });
    }
    return new VyaError(`GCS ${what}: ${message.split('\n')[0]}`, { code: 'GCS_ERROR', cause: error });
  }
}

/** GCS says "The specified bucket does not exist."; a missing object is "No such object: BUCKET/NAME". */
function isMissingBucket(message: string): boolean {
  return /specified bucket does not exist/i.test(message);
}

/** GCS always reports `updated`; vya needs it (prune --orphans, stale locks). */
function updatedOf(updated: string | undefined, name: string): Date {
  if (updated) return new Date(updated);
  throw new VyaError(`GCS gave no update time for ${name}`, { code: 'GCS_ERROR', hint: 'vya needs object modification times; is api_endpoint a complete GCS JSON API?' });
}

/**
 * The client's HTTP layer (teeny-request 11 on node-fetch 3) pipes every download's response
 * body three times: 11 listeners, and Node prints "MaxListenersExceededWarning: Possible
 * EventEmitter memory leak" on every restore and verify (googleapis/google-cloud-node#9185).
 * The count is fixed per response, not a leak. The response handed to the 'response' event
 * is that body, before the client adds its own pipes (again for each retried request).
 */
function allowLibraryListeners(response: unknown): void {
  if (response instanceof EventEmitter) setMaxListeners(20, response);
}
