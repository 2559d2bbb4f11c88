import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { generatedStream, peakRssGrowth, runSinkSuite, sha256OfStream } from '@vya/testing';
import { recordingProxy, S3rverProcess } from '../../../test/support/s3rver.js';
import { S3Sink, type S3SinkConfig } from '../src/s3-sink.js';
import { conditionalProxy } from './conditional-proxy.js';

const server = new S3rverProcess();
const BUCKET = 'vya-test';

function sinkConfig(overrides: Partial<S3SinkConfig> = {}): S3SinkConfig {
  return {
    bucket: BUCKET,
    prefix: `suite-${randomBytes(4).toString('hex')}/`,
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: server.credentials,
    partSizeBytes: 5 * 1024 * 1024,
    queueSize: 2,
    maxAttempts: 2,
    ...overrides,
  };
}

describe('S3 sink against s3rver', function () {
  this.timeout(300_000);
  before(async () => server.start([BUCKET]));
  after(async () => server.stop());

  // s3rver ignores If-None-Match on PUT (see below): against it the sink is configured as for
  // a store without conditional writes, and the core's fallback takes locks.
  runSinkSuite({ name: 's3 (s3rver)', create: async () => new S3Sink(sinkConfig({ conditionalWrites: false })), largeBytes: 24 * 1024 * 1024, putIfAbsent: false });

  describe('conditional writes (If-None-Match: *), through a proxy that answers them as AWS does', () => {
    let proxy: Awaited<ReturnType<typeof conditionalProxy>>;
    before(async () => {
      proxy = await conditionalProxy(server);
    });
    after(async () => proxy.close());

    runSinkSuite({ name: 's3 (s3rver + If-None-Match proxy)', create: async () => new S3Sink(sinkConfig({ endpoint: proxy.endpoint })), largeBytes: 1024 * 1024, manyKeys: 20 });

    it('sends PutObject with If-None-Match: * and reads 412 as "exists"', async () => {
      const sink = new S3Sink(sinkConfig({ endpoint: proxy.endpoint }));
      expect(await sink.putIfAbsent!('cond/one', Readable.from([Buffer.from('first')]))).to.deep.include({ key: 'cond/one', size: 5 });
      expect(await sink.putIfAbsent!('cond/one', Readable.from([Buffer.from('second')]))).to.equal(undefined);
      expect(proxy.conditionalPuts.filter((path) => path === `/${BUCKET}/${sink.config.prefix}cond/one`)).to.have.length(2);
    });
  });

  it('s3rver itself ignores If-None-Match on PUT (why the proxy above exists)', async () => {
    const sink = new S3Sink(sinkConfig());
    await sink.putIfAbsent!('ignored/one', Readable.from([Buffer.from('first')]));
    // If s3rver starts to honour the header, this says undefined: then drop the proxy.
    expect(await sink.putIfAbsent!('ignored/one', Readable.from([Buffer.from('second')]))).to.not.equal(undefined);
  });

  it('streams a 300 MB object in multipart with bounded memory, and reads it back intact', async () => {
    const sink = new S3Sink(sinkConfig({ partSizeBytes: 8 * 1024 * 1024, queueSize: 2 }));
    const size = 300 * 1024 * 1024;
    const growth = await peakRssGrowth(() => sink.put('big/object.bin', generatedStream(size, 77)));
    // Parts in flight (2 × 8 MiB) plus buffers: far below the 300 MB the object weighs.
    expect(growth).to.be.below(120 * 1024 * 1024);
    expect((await sink.stat('big/object.bin'))?.size).to.equal(size);
    expect(await sha256OfStream(await sink.get('big/object.bin'))).to.deep.equal(await sha256OfStream(generatedStream(size, 77)));
    await sink.delete('big/object.bin');
  });

  it('an aborted multipart upload is aborted on the server (AbortMultipartUpload sent), and nothing is listed', async () => {
    // s3rver implements neither ListMultipartUploads nor AbortMultipartUpload (its parts stay
    // on its disk whatever the client does), so a recording proxy checks what vya sent.
    const proxy = await recordingProxy(server);
    try {
      const sink = new S3Sink(sinkConfig({ endpoint: proxy.endpoint }));
      const controller = new AbortController();
      const pending = sink.put('aborted/big.bin', generatedStream(Number.MAX_SAFE_INTEGER, 5), controller.signal);
      setTimeout(() => controller.abort(), 1500);
      const error = await pending.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      const created = proxy.requests.find((line) => line.startsWith(`POST /${BUCKET}/${sink.config.prefix}aborted/big.bin?uploads`));
      expect(created, proxy.requests.join('\n')).to.not.equal(undefined);
      const aborts = proxy.requests.filter((line) => /^DELETE .*aborted\/big\.bin\?uploadId=/.test(line));
      expect(aborts.length, proxy.requests.join('\n')).to.be.greaterThan(0);
      expect(proxy.requests.some((line) => /^POST .*aborted\/big\.bin\?uploadId=/.test(line)), 'no CompleteMultipartUpload').to.equal(false);
      expect(await sink.stat('aborted/big.bin')).to.equal(undefined);
    } finally {
      await proxy.close();
    }
  });

  it('reports a missing bucket, bad credentials and an unreachable endpoint clearly', async () => {
    const missing = await new S3Sink(sinkConfig({ bucket: 'no-such-bucket' })).check();
    expect(missing[0]).to.deep.include({ ok: false, detail: 'bucket "no-such-bucket" does not exist' });
    const putMissing = await new S3Sink(sinkConfig({ bucket: 'no-such-bucket' })).put('x', Readable.from([Buffer.from('x')])).then(() => undefined, (e: unknown) => e);
    expect((putMissing as Error).message).to.equal('bucket "no-such-bucket" does not exist');
    const badKeys = await new S3Sink(sinkConfig({ credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' } })).put('x', Readable.from([Buffer.from('x')])).then(() => undefined, (e: unknown) => e);
    expect((badKeys as Error).message).to.match(/S3 rejected the credentials \(InvalidAccessKeyId\)/);
    const unreachable = await new S3Sink(sinkConfig({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 })).check();
    expect(unreachable[0].ok).to.equal(false);
    expect(unreachable[0].detail).to.match(/cannot reach S3 endpoint http:\/\/127\.0\.0\.1:1/);
  });
});
