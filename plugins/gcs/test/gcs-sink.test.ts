import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { generatedStream, peakRssGrowth, runSinkSuite, sha256OfStream } from '@vya/testing';
import { GcsSink, type GcsSinkConfig } from '../src/gcs-sink.js';
import { FakeGcsServer } from './fake-gcs-server.js';

// The bucket's name contains "bucket", as real ones often do: it must not read as a missing bucket.
const server = new FakeGcsServer(['vya-test-bucket']);

function sinkConfig(overrides: Partial<GcsSinkConfig> = {}): GcsSinkConfig {
  return { bucket: 'vya-test-bucket', prefix: `suite-${randomBytes(4).toString('hex')}/`, projectId: 'test', apiEndpoint: server.endpoint, chunkSizeBytes: 1024 * 1024, maxRetries: 1, ...overrides };
}

describe('GCS sink against a local implementation of the GCS JSON API', function () {
  this.timeout(300_000);
  before(async () => server.start());
  after(async () => server.stop());

  describe('the fake server speaks the protocol the client expects', () => {
    it('answers 308 with a Range header for an incomplete session, and the object on the last chunk', async () => {
      const start = await fetch(`${server.endpoint}/upload/storage/v1/b/vya-test-bucket/o?uploadType=resumable&name=proto%2Fa`, { method: 'POST', body: '{}' });
      const session = start.headers.get('location')!;
      expect(session).to.match(/upload_id=/);
      const first = await fetch(session, { method: 'PUT', body: Buffer.alloc(10, 1), headers: { 'content-range': 'bytes 0-9/*' } });
      expect(first.status).to.equal(308);
      expect(first.headers.get('range')).to.equal('bytes=0-9');
      const status = await fetch(session, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
      expect(status.status).to.equal(308);
      const list = (await (await fetch(`${server.endpoint}/storage/v1/b/vya-test-bucket/o?prefix=proto/`)).json()) as { items: unknown[] };
      expect(list.items).to.deep.equal([]);
      const last = await fetch(session, { method: 'PUT', body: Buffer.alloc(5, 2), headers: { 'content-range': 'bytes 10-14/15' } });
      expect(last.status).to.equal(200);
      expect(((await last.json()) as { size: string }).size).to.equal('15');
      const wrong = await fetch(`${server.endpoint}/storage/v1/b/nope/o`);
      expect(wrong.status).to.equal(404);
    });

    it('paginates with nextPageToken', async () => {
      for (let i = 0; i < 5; i++) {
        const s = (await fetch(`${server.endpoint}/upload/storage/v1/b/vya-test-bucket/o?uploadType=resumable&name=page%2F${i}`, { method: 'POST' })).headers.get('location')!;
        await fetch(s, { method: 'PUT', body: 'x', headers: { 'content-range': 'bytes 0-0/1' } });
      }
      const first = (await (await fetch(`${server.endpoint}/storage/v1/b/vya-test-bucket/o?prefix=page/&maxResults=3`)).json()) as { items: { name: string }[]; nextPageToken: string };
      expect(first.items.map((i) => i.name)).to.deep.equal(['page/0', 'page/1', 'page/2']);
      const second = (await (await fetch(`${server.endpoint}/storage/v1/b/vya-test-bucket/o?prefix=page/&maxResults=3&pageToken=${first.nextPageToken}`)).json()) as { items: { name: string }[]; nextPageToken?: string };
      expect(second.items.map((i) => i.name)).to.deep.equal(['page/3', 'page/4']);
      expect(second.nextPageToken).to.equal(undefined);
    });
  });

  runSinkSuite({ name: 'gcs (local JSON API server)', create: async () => new GcsSink(sinkConfig()), largeBytes: 8 * 1024 * 1024 });

  it('streams a 128 MB object through resumable chunks with bounded memory', async () => {
    const sink = new GcsSink(sinkConfig({ chunkSizeBytes: 8 * 1024 * 1024 }));
    const size = 128 * 1024 * 1024;
    const growth = await peakRssGrowth(() => sink.put('big/object.bin', generatedStream(size, 21)));
    expect(growth).to.be.below(100 * 1024 * 1024);
    expect(await sha256OfStream(await sink.get('big/object.bin'))).to.deep.equal(await sha256OfStream(generatedStream(size, 21)));
    expect(server.requests.filter((r) => r.startsWith('PUT /upload/')).length).to.be.greaterThan(10);
  });

  it('reports a missing bucket and an unreachable endpoint clearly', async () => {
    expect((await new GcsSink(sinkConfig({ bucket: 'no-such-bucket' })).check())[0]).to.deep.include({ ok: false, detail: 'bucket "no-such-bucket" does not exist' });
    const put = await new GcsSink(sinkConfig({ bucket: 'no-such-bucket' })).put('x', Readable.from([Buffer.from('x')])).then(() => undefined, (e: unknown) => e);
    expect((put as Error).message).to.equal('bucket "no-such-bucket" does not exist');
    const unreachable = (await new GcsSink(sinkConfig({ apiEndpoint: 'http://127.0.0.1:1', maxRetries: 0 })).check())[0];
    expect(unreachable.ok).to.equal(false);
    expect(unreachable.detail).to.match(/cannot reach Google Cloud Storage at http:\/\/127\.0\.0\.1:1|ECONNREFUSED/);
  });
});
