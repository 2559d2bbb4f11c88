import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { FanOut } from '../../src/core/pipeline/fan-out.js';

const CHUNK = 64 * 1024;

/** `count` chunks of distinct bytes; `produced()` says how many the fan-out has pulled so far. */
function counted(count: number): { stream: Readable; produced: () => number } {
  let produced = 0;
  const stream = Readable.from(
    (function* () {
      for (let i = 0; i < count; i++) {
        produced++;
        yield Buffer.alloc(CHUNK, i % 251);
      }
    })(),
  );
  return { stream, produced: () => produced };
}

/** A consumer that hashes what it gets; `gate` holds each chunk until the test releases it. */
function consumer(options: { failAfter?: number; delayMs?: number } = {}) {
  const hash = createHash('sha256');
  let chunks = 0;
  const writable = new Writable({
    highWaterMark: CHUNK,
    write(chunk: Buffer, _encoding, callback) {
      chunks++;
      if (options.failAfter !== undefined && chunks > options.failAfter) return callback(new Error('consumer failed'));
      hash.update(chunk);
      if (options.delayMs) setTimeout(callback, options.delayMs);
      else callback();
    },
  });
  return { writable, digest: () => hash.digest('hex'), chunks: () => chunks };
}

function expectedDigest(count: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i < count; i++) hash.update(Buffer.alloc(CHUNK, i % 251));
  return hash.digest('hex');
}

describe('FanOut: one stream to several consumers', function () {
  this.timeout(30_000);

  it('gives every consumer the same bytes', async () => {
    const source = counted(100);
    const tee = new FanOut(3);
    const consumers = [consumer(), consumer({ delayMs: 1 }), consumer()];
    await Promise.all([pipeline(source.stream, tee), ...consumers.map((c, i) => pipeline(tee.branch(i), c.writable))]);
    for (const c of consumers) expect(c.digest()).to.equal(expectedDigest(100));
  });

  it('a consumer that does not read holds the source back: only a few chunks are buffered', async () => {
    const source = counted(1000);
    const tee = new FanOut(2);
    const fast = consumer();
    const done = Promise.all([pipeline(source.stream, tee), pipeline(tee.branch(0), fast.writable)]);
    // Branch 1 is not read at all for a while: the fast consumer must stall with it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(source.produced()).to.be.below(10);
    expect(fast.chunks()).to.be.below(10);
    const slow = consumer();
    await Promise.all([done, pipeline(tee.branch(1), slow.writable)]);
    expect(slow.digest()).to.equal(expectedDigest(1000));
    expect(fast.digest()).to.equal(expectedDigest(1000));
  });

  it('a slow consumer sets the pace: the fast one is never more than a few chunks ahead', async () => {
    const source = counted(200);
    const tee = new FanOut(2);
    const slow = consumer({ delayMs: 2 });
    let maxLead = 0;
    const fast = new Writable({
      write(_chunk, _encoding, callback) {
        maxLead = Math.max(maxLead, source.produced() - slow.chunks());
        callback();
      },
    });
    await Promise.all([pipeline(source.stream, tee), pipeline(tee.branch(0), fast), pipeline(tee.branch(1), slow.writable)]);
    expect(maxLead).to.be.below(8);
  });

  it('a failing consumer is detached and the others still get every byte', async () => {
    const source = counted(200);
    const tee = new FanOut(3);
    const good = [consumer(), consumer({ delayMs: 1 })];
    const bad = consumer({ failAfter: 20 });
    const badDone = pipeline(tee.branch(1), bad.writable).catch((error: unknown) => tee.detach(1, error));
    await Promise.all([pipeline(source.stream, tee), pipeline(tee.branch(0), good[0].writable), badDone, pipeline(tee.branch(2), good[1].writable)]);
    expect(tee.attached(1)).to.equal(false);
    for (const c of good) expect(c.digest()).to.equal(expectedDigest(200));
  });

  it('a consumer that destroys its branch before it is detached does not stall the others', async () => {
    const source = counted(200);
    const tee = new FanOut(2);
    const good = consumer();
    const branch = tee.branch(1);
    branch.once('data', () => {
      branch.destroy();
      // The failure is reported later, as a sink's put rejects only after its cleanup.
      setTimeout(() => tee.detach(1, new Error('gone')), 100);
    });
    await Promise.all([pipeline(source.stream, tee), pipeline(tee.branch(0), good.writable)]);
    expect(good.digest()).to.equal(expectedDigest(200));
  });

  it('fails with the first error once every consumer failed', async () => {
    const source = counted(200);
    const tee = new FanOut(2);
    const consumers = [consumer({ failAfter: 5 }), consumer({ failAfter: 10 })];
    const errors = consumers.map((c, i) => pipeline(tee.branch(i), c.writable).catch((error: unknown) => tee.detach(i, error)));
    const failure = await pipeline(source.stream, tee).then(() => undefined, (error: unknown) => error);
    await Promise.all(errors);
    expect((failure as Error).message).to.equal('consumer failed');
  });
});
