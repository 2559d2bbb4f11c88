import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type ServerSideEncryption,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { errorMessage, type CheckItem, type ObjectInfo, type Sink } from 'vya/plugin-api';
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
}

/**
 * A bucket (and prefix) on S3 or an S3-compatible store. Uploads are multipart streams:
 * memory is bounded by part size × queue size, an object appears only when complete, and a
 * failed or aborted upload is aborted on the server so no parts are left behind.
 */
export class S3Sink implements Sink {
  readonly client: S3Client;

  constructor(readonly config: S3SinkConfig) {
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
      params: {
        Bucket: this.config.bucket,
        Key: this.objectKey(key),
        Body: data,
        StorageClass: this.config.storageClass as StorageClass | undefined,
        ServerSideEncryption: this.config.sse as ServerSideEncryption | undefined,
        SSEKMSKeyId: this.config.sseKmsKeyId,
      },
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
    const info = await this.stat(key);
    return info ?? { key, size: 0 };
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
        yield { key: object.Key.slice(this.config.prefix.length), size: object.Size ?? 0, modified: object.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return { key, size: head.ContentLength ?? 0, modified: head.LastModified };
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
