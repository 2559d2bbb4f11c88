'use strict';
// Loaded into the s3rver process (--require). s3rver 3.7.1 answers PutObject and UploadPart
// once the body has passed through its md5 transform, before its file write stream has
// finished (FilesystemStore resolves on the transform's 'finish', not the file's): a HEAD or
// a CompleteMultipartUpload right after can find the file still short (a conformance run
// under load saw `stat` report 0 bytes for an object of 1234). S3 answers once the object is
// stored; this makes s3rver wait until its file holds the bytes it counted.
const fs = require('node:fs');
const path = require('node:path');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

async function untilSize(file, size) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (stat && stat.size >= size) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`s3rver: ${file} did not reach ${size} bytes`);
}

if (typeof FilesystemStore.prototype.putObject !== 'function' || typeof FilesystemStore.prototype.putPart !== 'function') {
  throw new Error("s3rver's FilesystemStore has no putObject/putPart any more: review test/support/s3rver-complete-writes.cjs");
}

const putObject = FilesystemStore.prototype.putObject;
FilesystemStore.prototype.putObject = async function (object) {
  const stored = await putObject.call(this, object);
  await untilSize(this.getResourcePath(object.bucket, object.key, 'object'), stored.size);
  return stored;
};

const putPart = FilesystemStore.prototype.putPart;
FilesystemStore.prototype.putPart = async function (bucket, uploadId, partNumber, content) {
  const stored = await putPart.call(this, bucket, uploadId, partNumber, content);
  await untilSize(path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber)), stored.size);
  return stored;
};
