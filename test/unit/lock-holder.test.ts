import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { silentLogger } from '@vya/plugin-api';
import { holderIsGone, processStat, thisHolderProcess, type HolderProcess, type LockHolder } from '../../src/core/locks/holder-process.js';
import { RepositoryLocks, type LockInfo } from '../../src/core/locks/repository-lock.js';
import { LocalSink } from '../../plugins/local/src/local-sink.js';

const ours = (): HolderProcess => {
  const identity = thisHolderProcess();
  if (!identity) throw new Error('this test needs Linux /proc');
  return identity;
};

/** A running `sleep`, and what a lock it wrote would say of it. */
async function sleeper(): Promise<{ child: ChildProcess; holder: LockHolder }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const stat = processStat(child.pid as number);
  if (!stat) throw new Error('the sleeper is not in /proc');
  return { child, holder: { host: hostname(), pid: child.pid as number, process: { ...ours(), start_ticks: stat.startTicks } } };
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('close', resolve));
}

describe('lock holders: a holder on this machine that exited is known at once', function () {
  this.timeout(30_000);
  const children: ChildProcess[] = [];
  afterEach(() => children.splice(0).forEach((child) => child.kill('SIGKILL')));

  it('a running holder is not gone; once killed it is', async () => {
    const { child, holder } = await sleeper();
    children.push(child);
    expect(holderIsGone(holder)).to.equal(false);
    child.kill('SIGKILL');
    await ended(child);
    expect(holderIsGone(holder)).to.equal(true);
  });

  it('this process is not gone; its pid with another start time (a reused PID) is', () => {
    const me: LockHolder = { host: hostname(), pid: process.pid, process: ours() };
    expect(holderIsGone(me)).to.equal(false);
    expect(holderIsGone({ ...me, process: { ...ours(), start_ticks: String(Number(ours().start_ticks) - 1) } })).to.equal(true);
  });

  it('an exited holder is not judged when it ran elsewhere: another host, boot, PID namespace or user, or recorded nothing', async () => {
    const { child, holder } = await sleeper();
    child.kill('SIGKILL');
    await ended(child);
    const identity = holder.process as HolderProcess;
    expect(holderIsGone(holder), 'the same holder on this machine').to.equal(true);
    expect(holderIsGone({ ...holder, host: `${hostname()}-other` })).to.equal(false);
    expect(holderIsGone({ ...holder, process: { ...identity, boot_id: '00000000-0000-0000-0000-000000000000' } })).to.equal(false);
    expect(holderIsGone({ ...holder, process: { ...identity, pid_ns: 'pid:[1]' } })).to.equal(false);
    expect(holderIsGone({ ...holder, process: { ...identity, uid: identity.uid + 1 } })).to.equal(false);
    expect(holderIsGone({ host: holder.host, pid: holder.pid })).to.equal(false);
    expect(holderIsGone({ ...holder, pid: 0 })).to.equal(false);
  });

  it('a zombie (exited, not yet reaped by its parent) is gone', async () => {
    // sh starts a short `sleep` in the background and becomes a long one, which never reaps
    // it. The short one outlives the exec: had it ended before, sh could have reaped it itself.
    const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(parent);
    const pid = Number((await new Promise<Buffer>((resolve) => parent.stdout.once('data', resolve))).toString());
    let stat = processStat(pid);
    for (let i = 0; i < 200 && stat?.state !== 'Z'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      stat = processStat(pid);
    }
    expect(stat?.state, 'the child became a zombie').to.equal('Z');
    expect(holderIsGone({ host: hostname(), pid, process: { ...ours(), start_ticks: (stat as { startTicks: string }).startTicks } })).to.equal(true);
  });

  describe('in the repository', () => {
    let root: string;
    let sink: LocalSink;
    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'vya-lock-holder-'));
      sink = new LocalSink(root);
    });
    afterEach(async () => rm(root, { recursive: true, force: true }));

    async function plant(key: string, holder: LockHolder, mode: LockInfo['mode'] = 'exclusive'): Promise<void> {
      const lock: LockInfo = { id: `planted-${key.length}`, job: 'nightly', unit: 'a', operation: 'backup', mode, created_at: new Date().toISOString(), ttl_ms: 600_000, ...holder };
      await sink.put(key, Readable.from([Buffer.from(JSON.stringify(lock))]));
    }

    async function keys(): Promise<string[]> {
      const found: string[] = [];
      for await (const info of sink.list('locks/')) if (info.key.endsWith('.json')) found.push(info.key);
      return found.sort();
    }

    it('a lock whose holder exited on this machine is stale at once: the next backup takes the unit and removes it', async () => {
      const { child, holder } = await sleeper();
      child.kill('SIGKILL');
      await ended(child);
      await plant('locks/nightly/a/exclusive-1.json', holder);
      const locks = new RepositoryLocks(sink, silentLogger, { retryMs: 50 });
      const [listed] = await locks.list('nightly');
      expect(listed).to.include({ stale: true, holder_gone: true });
      const held = await locks.acquire('nightly', 'a', 'backup');
      expect(await keys()).to.deep.equal(['locks/nightly/a/exclusive-2.json']);
      await held.release();
    });

    it('a lock whose holder runs, or whose holder cannot be judged (another PID namespace), still blocks', async () => {
      const { child, holder } = await sleeper();
      children.push(child);
      await plant('locks/nightly/a/exclusive-1.json', holder);
      const locks = new RepositoryLocks(sink, silentLogger, { retryMs: 50 });
      const refused = await locks.acquire('nightly', 'a', 'backup').then(() => undefined, (error: Error & { code?: string }) => error);
      expect(refused?.code).to.equal('LOCKED');
      child.kill('SIGKILL');
      await ended(child);
      await plant('locks/nightly/a/exclusive-1.json', { ...holder, process: { ...(holder.process as HolderProcess), pid_ns: 'pid:[1]' } });
      const [listed] = await locks.list('nightly');
      expect(listed).to.include({ stale: false, holder_gone: false });
      const stillRefused = await locks.acquire('nightly', 'a', 'backup').then(() => undefined, (error: Error & { code?: string }) => error);
      expect(stillRefused?.code).to.equal('LOCKED');
    });

    it('a lock this vya writes records its process; `unlock` removes one whose holder exited, without --all', async () => {
      const locks = new RepositoryLocks(sink, silentLogger, { retryMs: 50 });
      const held = await locks.acquire('nightly', 'a', 'backup');
      expect(held.lock.process).to.deep.equal(ours());
      await held.release();
      const { child, holder } = await sleeper();
      child.kill('SIGKILL');
      await ended(child);
      await plant('locks/nightly/a/shared-x.json', holder, 'shared');
      const removed = await locks.breakLocks({ job: 'nightly' });
      expect(removed.map((lock) => lock.key)).to.deep.equal(['locks/nightly/a/shared-x.json']);
      expect(await keys()).to.deep.equal([]);
    });
  });
});
