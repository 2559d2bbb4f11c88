import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { testRunner, type TestRunner } from './runner.js';
import { isNotFound, type ObjectInfo, type Sink } from '@vya/plugin-api';
import { failingStream, generatedStream, readAll, sha256OfStream } from './streams.js';

export interface SinkSuiteOptions {
  /** The runner's describe/it/beforeEach/afterEach (default: the globals mocha defines). */
  runner?: Partial<TestRunner>;
  /** describe() title. */
  name: string;
  /** A fresh, empty sink (e.g. under a unique prefix) for each test. */
  create(): Promise<Sink>;
  cleanup?(sink: Sink): Promise<void>;
  /** Keys written for the pagination test (default 1001, past S3's and GCS's page size). */
  manyKeys?: number;
  /** Size of the streamed large object (default 16 MiB). */
  largeBytes?: number;
  /**
   * Whether the sink offers the atomic putIfAbsent (default true). A sink that cannot create
   * atomically says false, and the suite checks that the method is really absent.
   */
  putIfAbsent?: boolean;
}

/**
 * The behaviour every Sink must have, as one mocha block: local, S3, GCS and third-party
 * sinks call this from their own test file, so they are held to exactly the same contract.
 */
export function runSinkSuite(options: SinkSuiteOptions): void {
  const { describe, it, beforeEach, afterEach } = testRunner('runSinkSuite', options.runner);
  const manyKeys = options.manyKeys ?? 1001;
  const largeBytes = options.largeBytes ?? 16 * 1024 * 1024;

  describe(`sink conformance: ${options.name}`, function (this: Mocha.Suite) {
    this.timeout(180_000);
    let sink: Sink;

    beforeEach(async () => {
      sink = await options.create();
    });
    afterEach(async () => {
      await options.cleanup?.(sink);
      await sink.close?.();
    });

    it('round-trips an object byte for byte and reports its size', async () => {
      const info = await sink.put('a/b/object.bin', generatedStream(largeBytes, 7));
      expect(info.size).to.equal(largeBytes);
      const expected = await sha256OfStream(generatedStream(largeBytes, 7));
      const actual = await sha256OfStream(await sink.get('a/b/object.bin'));
      expect(actual).to.deep.equal(expected);
    });

    it('stores empty objects', async () => {
      await sink.put('empty', Readable.from([]));
      expect((await readAll(await sink.get('empty'))).length).to.equal(0);
      expect((await sink.stat('empty'))?.size).to.equal(0);
    });

    it('overwrites an existing key', async () => {
      await sink.put('k', Readable.from([Buffer.from('first version')]));
      await sink.put('k', Readable.from([Buffer.from('second')]));
      expect((await readAll(await sink.get('k'))).toString()).to.equal('second');
    });

    it('stat reports size and undefined for a missing key', async () => {
      await sink.put('dir/x', Readable.from([randomBytes(1234)]));
      const info = await sink.stat('dir/x');
      expect(info?.size).to.equal(1234);
      expect(info?.key).to.equal('dir/x');
      expect(await sink.stat('dir/missing')).to.equal(undefined);
    });

    it('get of a missing key rejects with a not-found error', async () => {
      const error = await sink.get('nope/never-written').then(
        async (stream) => {
          await readAll(stream);
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(isNotFound(error), `expected a NOT_FOUND error, got ${String(error)}`).to.equal(true);
    });

    it('lists by prefix, past one page of results', async () => {
      const keys = Array.from({ length: manyKeys }, (_, i) => `many/${String(i).padStart(5, '0')}`);
      await putAll(sink, keys, 16);
      await sink.put('other/one', Readable.from([Buffer.from('x')]));
      await sink.put('manyother', Readable.from([Buffer.from('x')]));
      const listed = await listKeys(sink, 'many/');
      expect(listed.sort()).to.deep.equal(keys);
      expect(await listKeys(sink, 'other/')).to.deep.equal(['other/one']);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      await sink.put('del/me', Readable.from([Buffer.from('bye')]));
      await sink.delete('del/me');
      expect(await sink.stat('del/me')).to.equal(undefined);
      expect(await listKeys(sink, 'del/')).to.deep.equal([]);
      await sink.delete('del/me');
    });

    it('an object is not visible until its upload completes', async () => {
      const gate = new Readable({ read() {} });
      const upload = sink.put('slow/object', gate);
      gate.push(randomBytes(256 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await sink.stat('slow/object')).to.equal(undefined);
      expect(await listKeys(sink, 'slow/')).to.deep.equal([]);
      gate.push(null);
      await upload;
      expect((await sink.stat('slow/object'))?.size).to.equal(256 * 1024);
    });

    it('a source stream failing mid-way rejects put and leaves nothing', async () => {
      const error = await sink.put('broken/object', failingStream(512 * 1024)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Error);
      expect(await sink.stat('broken/object')).to.equal(undefined);
      expect(await listKeys(sink, 'broken/')).to.deep.equal([]);
    });

    it('aborting mid-stream rejects put and leaves nothing', async () => {
      const controller = new AbortController();
      const endless = generatedStream(Number.MAX_SAFE_INTEGER, 3);
      const upload = sink.put('aborted/object', endless, controller.signal);
      setTimeout(() => controller.abort(), 300);
      const error = await upload.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(Error);
      endless.destroy();
      expect(await sink.stat('aborted/object')).to.equal(undefined);
      expect(await listKeys(sink, 'aborted/')).to.deep.equal([]);
    });

    it('handles concurrent puts to different keys', async () => {
      const sizes = [1, 1000, 70_000, 300_000, 1_000_000, 2_000_000];
      await Promise.all(sizes.map((size, i) => sink.put(`conc/${i}`, generatedStream(size, i + 11))));
      for (const [i, size] of sizes.entries()) {
        const expected = await sha256OfStream(generatedStream(size, i + 11));
        expect(await sha256OfStream(await sink.get(`conc/${i}`))).to.deep.equal(expected);
      }
    });

    it('lists and stats objects with their modification time, which a rewrite moves on', async () => {
      await sink.put('mtime/a', Readable.from([Buffer.from('one')]));
      const [listed] = await listInfos(sink, 'mtime/');
      expect(listed.modified, 'list gives ObjectInfo.modified').to.be.instanceOf(Date);
      expect(Number.isNaN(listed.modified.getTime())).to.equal(false);
      const stated = await sink.stat('mtime/a');
      expect(Math.abs(stated!.modified.getTime() - listed.modified.getTime())).to.be.below(1000);
      // Locks are refreshed by rewriting them: the storage's time of the object must move on.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const rewritten = await sink.put('mtime/a', Readable.from([Buffer.from('two')]));
      expect(rewritten.modified.getTime()).to.be.greaterThan(listed.modified.getTime());
    });

    if (options.putIfAbsent === false) {
      it('declares it cannot create atomically: putIfAbsent is absent', () => {
        expect(sink.putIfAbsent).to.equal(undefined);
      });
    } else {
      it('putIfAbsent: of concurrent creators exactly one wins, and an existing object is never replaced', async () => {
        expect(sink.putIfAbsent, 'this sink has no putIfAbsent (pass putIfAbsent: false if it cannot)').to.be.a('function');
        const contenders = Array.from({ length: 6 }, (_, i) => i);
        const results = await Promise.all(contenders.map((i) => sink.putIfAbsent!('race/lock.json', generatedStream(64 * 1024 + i, 100 + i))));
        const winners = contenders.filter((i) => results[i] !== undefined);
        expect(winners, 'creators that won').to.have.length(1);
        expect(results[winners[0]]!.size).to.equal(64 * 1024 + winners[0]);
        const stored = await sha256OfStream(await sink.get('race/lock.json'));
        expect(stored).to.deep.equal(await sha256OfStream(generatedStream(64 * 1024 + winners[0], 100 + winners[0])));
        expect(await sink.putIfAbsent!('race/lock.json', Readable.from([Buffer.from('late')]))).to.equal(undefined);
        expect(await sha256OfStream(await sink.get('race/lock.json'))).to.deep.equal(stored);
        expect(await listKeys(sink, 'race/')).to.deep.equal(['race/lock.json']);
      });

      it('putIfAbsent: the object is not visible until complete; a failed one leaves the key free', async () => {
        const gate = new Readable({ read() {} });
        const creating = sink.putIfAbsent!('gated/lock.json', gate);
        gate.push(randomBytes(1000));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await sink.stat('gated/lock.json')).to.equal(undefined);
        gate.push(randomBytes(24));
        gate.push(null);
        expect((await creating)?.size).to.equal(1024);
        expect((await sink.stat('gated/lock.json'))?.size).to.equal(1024);

        const error = await sink.putIfAbsent!('failed/lock.json', failingStream(64 * 1024)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(Error);
        expect(await listKeys(sink, 'failed/')).to.deep.equal([]);
        expect((await sink.putIfAbsent!('failed/lock.json', Readable.from([Buffer.from('x')])))?.size).to.equal(1);
      });
    }

    it('keeps keys with unicode and spaces intact', async () => {
      const key = 'jobs/naïve job/ünït 🚀/snap.json';
      await sink.put(key, Readable.from([Buffer.from('{}')]));
      expect(await listKeys(sink, 'jobs/')).to.deep.equal([key]);
      expect((await readAll(await sink.get(key))).toString()).to.equal('{}');
    });
  });
}

async function listInfos(sink: Sink, prefix: string): Promise<ObjectInfo[]> {
  const infos: ObjectInfo[] = [];
  for await (const info of sink.list(prefix)) infos.push(info);
  return infos;
}

async function listKeys(sink: Sink, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of sink.list(prefix)) keys.push(info.key);
  return keys;
}

async function putAll(sink: Sink, keys: string[], parallel: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      await sink.put(key, Readable.from([Buffer.from(key)]));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
