import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { silentLogger, type Sink } from '@vya/plugin-api';
import { RepositoryLocks, WHOLE_JOB, type HeldLock, type LockInfo } from '../../src/core/locks/repository-lock.js';
import { LocalSink } from '../../plugins/local/src/local-sink.js';

const SKEW_MS = 5_000;

function locksOf(sink: Sink, options: ConstructorParameters<typeof RepositoryLocks>[2] = {}): RepositoryLocks {
  return new RepositoryLocks(sink, silentLogger, { retryMs: 50, settleMs: 100, ...options });
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected the lock to be refused');
    },
    (error: unknown) => error as Error,
  );
}

/** The same directory, as a sink without the atomic create (the core's fallback path). */
function withoutAtomicCreate(sink: LocalSink): Sink {
  return { put: (k, d, s) => sink.put(k, d, s), get: (k) => sink.get(k), list: (p) => sink.list(p), stat: (k) => sink.stat(k), delete: (k) => sink.delete(k) };
}

describe('repository locks across hosts and clocks', function () {
  this.timeout(60_000);
  let root: string;
  let sink: LocalSink;
  const held: HeldLock[] = [];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'vya-locks-'));
    sink = new LocalSink(root);
  });
  afterEach(async () => {
    await Promise.all(held.splice(0).map((lock) => lock.release()));
    await rm(root, { recursive: true, force: true });
  });

  async function lockFiles(): Promise<string[]> {
    const keys: string[] = [];
    for await (const info of sink.list('locks/')) keys.push(info.key);
    return keys.sort();
  }

  /** The keys of every object `sink` is asked to write, in order. */
  function recordingPuts(keys: string[]): Sink {
    return { ...withoutAtomicCreate(sink), put: (k, d, s) => (keys.push(k), sink.put(k, d, s)), putIfAbsent: (k, d, s) => (keys.push(k), sink.putIfAbsent(k, d, s)) };
  }

  it('a lock nobody else holds is taken without writing a probe for the storage clock; one beside another lock probes it', async () => {
    const puts: string[] = [];
    const alone = await locksOf(recordingPuts(puts)).acquire('nightly', 'a', 'backup');
    expect(puts).to.deep.equal(['locks/nightly/a/exclusive-1.json']);
    const beside = await locksOf(recordingPuts(puts)).acquire('nightly', 'b', 'backup');
    expect(puts.slice(1).filter((key) => /\/probe-[0-9a-f]+\.tmp$/.test(key)).length).to.be.above(0);
    await Promise.all([alone.release(), beside.release()]);
    expect(await lockFiles()).to.deep.equal([]);
  });

  for (const [label, ahead] of [
    ['the later one runs 5 s behind', -SKEW_MS],
    ['the later one runs 5 s ahead', SKEW_MS],
  ] as const) {
    it(`two lockers with clocks 5 s apart: the second is refused while the first holds (${label})`, async () => {
      const first = locksOf(sink);
      const second = locksOf(sink, { now: () => Date.now() + ahead });
      held.push(await first.acquire('nightly', WHOLE_JOB, 'prune'));
      const refused = await failure(second.acquire('nightly', WHOLE_JOB, 'prune'));
      expect(refused.code).to.equal('LOCKED');
      expect(refused.message).to.match(/^job nightly is locked by prune on .* \(exclusive lock\)/);
    });
  }

  it('two lockers with clocks 5 s apart starting together: exactly one holds', async () => {
    for (let round = 0; round < 5; round++) {
      const lockers = [locksOf(sink), locksOf(sink, { now: () => Date.now() - SKEW_MS })];
      const outcomes = await Promise.allSettled(lockers.map((locks) => locks.acquire('nightly', WHOLE_JOB, 'prune')));
      const holders = outcomes.filter((o): o is PromiseFulfilledResult<HeldLock> => o.status === 'fulfilled');
      expect(holders, `round ${round}`).to.have.length(1);
      await holders[0].value.release();
      expect(await lockFiles()).to.deep.equal([]);
    }
  });

  it('on a sink without atomic create (create, wait, re-check), concurrent lockers never both hold', async () => {
    const plain = withoutAtomicCreate(sink);
    for (let round = 0; round < 3; round++) {
      const outcomes = await Promise.allSettled([0, 1, 2].map(() => locksOf(plain).acquire('nightly', WHOLE_JOB, 'prune')));
      const holders = outcomes.filter((o): o is PromiseFulfilledResult<HeldLock> => o.status === 'fulfilled');
      expect(holders.length, `round ${round}`).to.be.at.most(1);
      for (const holder of holders) await holder.value.release();
    }
    held.push(await locksOf(plain).acquire('nightly', 'a', 'backup'));
    expect((await failure(locksOf(plain).acquire('nightly', 'a', 'backup'))).code).to.equal('LOCKED');
  });

  it('a host whose clock runs 15 minutes ahead still sees a live lock as live', async () => {
    held.push(await locksOf(sink).acquire('nightly', 'a', 'backup'));
    const listed = await locksOf(sink, { now: () => Date.now() + 15 * 60_000 }).list('nightly');
    expect(listed.map((lock) => [lock.operation, lock.stale])).to.deep.equal([['backup', false]]);
  });

  it('readers share; a reader blocks prune, naming the restore; a waiting prune holds once readers finish, and blocks new readers', async () => {
    const restore = await locksOf(sink).acquire('nightly', 'a', 'restore', 0, 'shared');
    const verify = await locksOf(sink).acquire('nightly', 'a', 'verify', 0, 'shared');
    const refused = await failure(locksOf(sink).acquire('nightly', WHOLE_JOB, 'prune'));
    expect(refused.message).to.match(/^nightly\/a is locked by (restore|verify) on .* \(shared lock\)/);
    expect(await lockFiles()).to.have.length(2);

    const waiting = locksOf(sink).acquire('nightly', WHOLE_JOB, 'prune', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const newReader = await failure(locksOf(sink).acquire('nightly', 'b', 'restore', 0, 'shared'));
    expect(newReader.message).to.match(/^job nightly is locked by prune/);
    await restore.release();
    await verify.release();
    const prune = await waiting;
    held.push(prune);
    expect(prune.lock.operation).to.equal('prune');
  });

  it('a backup does not block readers of its unit, but another backup of it and prune', async () => {
    held.push(await locksOf(sink).acquire('nightly', 'a', 'backup'));
    held.push(await locksOf(sink).acquire('nightly', 'a', 'restore', 0, 'shared'));
    held.push(await locksOf(sink).acquire('nightly', 'b', 'backup'));
    expect((await failure(locksOf(sink).acquire('nightly', 'a', 'backup'))).message).to.match(/^nightly\/a is locked by backup/);
    expect((await failure(locksOf(sink).acquire('nightly', WHOLE_JOB, 'prune'))).code).to.equal('LOCKED');
    held.push(await locksOf(sink).acquire('other', WHOLE_JOB, 'prune'));
  });

  it('a lock goes stale after its TTL without a refresh, by the storage clock, whatever times it claims', async () => {
    // A holder that crashed: its lock says it was taken in the future and lives 1.5 s.
    const crashed: LockInfo = { id: 'crashed', job: 'nightly', unit: 'a', operation: 'backup', mode: 'exclusive', host: 'gone', pid: 1, created_at: '2099-01-01T00:00:00.000Z', ttl_ms: 1500 };
    await sink.put('locks/nightly/a/exclusive-1.json', Readable.from([Buffer.from(JSON.stringify(crashed))]));
    expect((await failure(locksOf(sink).acquire('nightly', 'a', 'backup'))).message).to.match(/locked by backup on gone/);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await locksOf(sink).list('nightly')).map((lock) => lock.stale)).to.deep.equal([true]);
    const taken = await locksOf(sink).acquire('nightly', 'a', 'backup');
    held.push(taken);
    // The stale marker is superseded under a new name, never re-created under its own.
    expect(taken.key).to.equal('locks/nightly/a/exclusive-2.json');
    expect(await lockFiles()).to.deep.equal(['locks/nightly/a/exclusive-2.json']);
  });

  it('a lock whose file the storage saw written long ago is stale even if it claims to be new', async () => {
    const lock: LockInfo = { id: 'x', job: 'nightly', unit: 'a', operation: 'restore', mode: 'shared', host: 'h', pid: 2, created_at: new Date().toISOString(), ttl_ms: 600_000 };
    await sink.put('locks/nightly/a/shared-x.json', Readable.from([Buffer.from(JSON.stringify(lock))]));
    const old = new Date(Date.now() - 11 * 60_000);
    await utimes(join(root, 'locks/nightly/a/shared-x.json'), old, old);
    expect((await locksOf(sink).list()).map((l) => l.stale)).to.deep.equal([true]);
    expect((await locksOf(sink).breakLocks({})).map((l) => l.key)).to.deep.equal(['locks/nightly/a/shared-x.json']);
  });

  it('a holder refreshes its lock, so it stays live past its TTL; released, it is gone', async () => {
    const lock = await locksOf(sink, { ttlMs: 1500 }).acquire('nightly', 'a', 'backup');
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect((await locksOf(sink).list('nightly')).map((l) => l.stale)).to.deep.equal([false]);
    await lock.release();
    expect(await readdir(root)).to.deep.equal([]);
  });
});
