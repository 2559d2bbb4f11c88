import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryption,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { errorMessage, VyaError, type CheckItem, type ObjectInfo, type Sink } from '@vya/plugin-api';
import { translateS3Error } from './errors.js';

/** Cleaning up after a failed upload must not hang a stopping run on a silent endpoint. */
const CLEANUP_TIMEOUT_MS = 5000;

export interface S3SinkConfig {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  storageClass?: string;
  sse?: string;
  sseKmsKeyId?: string;
  partSizeBytes: number;
  queueSize: number;
  maxAttempts: number;
  /**
   * The store honours PutObject with If-None-Match: * (AWS S3 since August 2024, MinIO, Ceph,
   * R2); the default. When false, the sink offers no putIfAbsent and locks use the core's fallback.
   */
  conditionalWrites?: boolean;
}

/** putIfAbsent sends one PutObject; lock objects are a few hundred bytes. */
const CONDITIONAL_MAX_BYTES = 1024 * 1024;

/**
 * A bucket (and prefix) on S3 or an S3-compatible store. Uploads are multipart streams:
 * memory is bounded by part size × queue size, an object appears only when complete, and a
 * failed or aborted upload is aborted on the server so no parts are left behind.
 */
export class S3Sink implements Sink {
  readonly client: S3Client;
  readonly putIfAbsent?: (key: string, data: Readable, signal?: AbortSignal) => Promise<ObjectInfo | undefined>;

  constructor(readonly config: S3SinkConfig) {
    if (config.conditionalWrites !== false) this.putIfAbsent = (key, data, signal) => this.putConditionally(key, data, signal);
    // The SDK warns on every start that its releases after January 2027 need Node 22; the
    // versions vya uses support Node 20, and the warning would bury vya's own output.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      // The SDK's standard retry strategy: exponential backoff with jitter on throttling and 5xx.
      maxAttempts: config.maxAttempts,
      retryMode: 'standard',
      // Without them a host that drops packets, or accepts and never answers, hangs every call.
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000 },
    });
  }

  async put(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo> {
    const upload = new Upload({
      client: this.client,
      queueSize: this.config.queueSize,
      partSize: this.config.partSizeBytes,
      leavePartsOnError: false,
      params: { ...this.putParams(key), Body: data },
    });
    const abort = () => void upload.abort().catch(() => {});
    signal?.addEventListener('abort', abort, { once: true });
    // If the source stream fails, stop the upload (lib-storage would otherwise wait for data).
    const onError = () => abort();
    data.once('error', onError);
    try {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      await upload.done();
    } catch (error) {
      abort();
      await this.abortMultipartUploads(key, upload.uploadId);
      throw translateS3Error(error, `upload of ${key}`, this.config, signal);
    } finally {
      signal?.removeEventListener('abort', abort);
      data.off('error', onError);
    }
    return this.statAfterWrite(key);
  }

  /** A single PutObject with If-None-Match: *; S3 answers 412 when the key exists. */
  private async putConditionally(key: string, data: Readable, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    const body = await readSmall(data, key, signal);
    try {
      await this.client.send(new PutObjectCommand({ ...this.putParams(key), Body: body, IfNoneMatch: '*' }), { abortSignal: signal });
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      // 409 ConditionalRequestConflict: a concurrent conditional write to the key is in flight; it is not ours either way.
      if (e.$metadata?.httpStatusCode === 412 || e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 409) return undefined;
      throw translateS3Error(error, `conditional upload of ${key}`, this.config);
    }
    return this.statAfterWrite(key);
  }

  private async statAfterWrite(key: string): Promise<ObjectInfo> {
    const info = await this.stat(key);
    if (!info) throw new VyaError(`S3 upload of ${key}: the object is not there after the upload`, { code: 'S3_ERROR', hint: 'the store is not read-after-write consistent, or something deleted the object' });
    return info;
  }

  private putParams(key: string) {
    return {
      Bucket: this.config.bucket,
      Key: this.objectKey(key),
      StorageClass: this.config.storageClass as StorageClass | undefined,
      ServerSideEncryption: this.config.sse as ServerSideEncryption | undefined,
      SSEKMSKeyId: this.config.sseKmsKeyId,
    };
  }

  /**
   * lib-storage aborts its multipart upload in the background, racing its own abort; make
   * sure no upload of this key is left holding parts (they are billed and never expire).
   */
  private async abortMultipartUploads(key: string, knownUploadId: string | undefined): Promise<void> {
    const Key = this.objectKey(key);
    const ids = new Set(knownUploadId ? [knownUploadId] : []);
    try {
      const listed = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.config.bucket, Prefix: Key }), { abortSignal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) });
      for (const upload of listed.Uploads ?? []) if (upload.Key === Key && upload.UploadId) ids.add(upload.UploadId);
    } catch {
      // Some S3-compatible stores do not list uploads; the known id still gets aborted.
    }
    for (const UploadId of ids) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.config.bucket, Key, UploadId }), { abortSignal: AbortSignal.timeout(CLEANUP_TIMEOUT_MS) }).catch(() => {});
  }

  async get(key: string, signal?: AbortSignal): Promise<Readable> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }), { abortSignal: signal });
      return response.Body as Readable;
    } catch (error) {
      throw translateS3Error(error, `get ${key}`, this.config, signal);
    }
  }

  async *list(prefix: string, signal?: AbortSignal): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: this.objectKey(prefix), ContinuationToken: token }), { abortSignal: signal });
      } catch (error) {
        throw translateS3Error(error, `list ${prefix}`, this.config, signal);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { key: object.Key.slice(this.config.prefix.length), size: object.Size ?? 0, modified: lastModified(object.LastModified, object.Key) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return { key, size: head.ContentLength ?? 0, modified: lastModified(head.LastModified, key) };
    } catch (error) {
      const translated = translateS3Error(error, `stat ${key}`, this.config);
      if ((translated as { code?: string }).code === 'NOT_FOUND') return undefined;
      throw translated;
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      const translated = translateS3Error(error, `delete ${key}`, this.config);
      if ((translated as { code?: string }).code !== 'NOT_FOUND') throw translated;
    }
  }

  async check(signal?: AbortSignal): Promise<CheckItem[]> {
    const where = `s3://${this.config.bucket}/${this.config.prefix}${this.config.endpoint ? ` at ${this.config.endpoint}` : ` in ${this.config.region}`}`;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }), { abortSignal: signal });
      return [{ name: 'bucket', ok: true, detail: `${where} reachable` }];
    } catch (error) {
      const translated = translateS3Error(error, 'head bucket', this.config, signal);
      // HEAD carries no error body: a 404 on the bucket means the bucket is missing.
      const message = (translated as { code?: string }).code === 'NOT_FOUND' ? `bucket "${this.config.bucket}" does not exist` : errorMessage(translated);
      return [{ name: 'bucket', ok: false, detail: message, hint: (translated as { hint?: string }).hint ?? 'create the bucket or fix its name' }];
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    return `${this.config.prefix}${key}`;
  }
}

/** S3 always sends Last-Modified; a store that does not cannot serve prune or locks safely. */
function lastModified(value: Date | undefined, key: string): Date {
  if (value) return value;
  throw new VyaError(`the S3 store gave no Last-Modified time for ${key}`, { code: 'S3_ERROR', hint: 'vya needs object modification times (prune --orphans, stale locks); use an S3-compatible store that reports them' });
}

async function readSmall(data: Readable, key: string, signal?: AbortSignal): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of data) {
    signal?.throwIfAborted();
    size += (chunk as Buffer).length;
    if (size > CONDITIONAL_MAX_BYTES) throw new VyaError(`conditional upload of ${key}: larger than ${CONDITIONAL_MAX_BYTES} bytes`, { code: 'S3_ERROR', hint: 'putIfAbsent is for small objects such as locks' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
