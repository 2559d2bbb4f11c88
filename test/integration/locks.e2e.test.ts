import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import type { LockInfo } from '../../src/core/locks/repository-lock.js';
import type { Manifest } from '../../src/core/repository/manifest.js';
import { Repository } from '../../src/core/repository/repository.js';
import { LocalSink } from '../../plugins/local/src/local-sink.js';
import { parseJson, runVya, tempDir, vyaBin } from '../support/cli.js';
import { plantedManifest } from '../support/planted-manifest.js';

/** Writes to a FIFO if a reader has it open; gives up (instead of blocking) when none comes within 10 s. */
async function feedFifo(fifo: string, text: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const handle = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      await handle.write(text);
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Snapshot `day` of March 2026 of unit `unit` of the job `nightly`. */
function manifestAt(unit: string, day: number): Manifest {
  return plantedManifest('nightly', unit, `2026-03-${String(day).padStart(2, '0')}T02:00:00.000Z`, day);
}

describe('end to end: locks between prune, restore and verify', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let sink: LocalSink;
  let repository: Repository;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state') });

  beforeEach(async () => {
    dir = await tempDir('vya-e2e-locks-');
    sink = new LocalSink(join(dir.path, 'repo'));
    repository = new Repository(sink, 'repo');
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  data: { type: files, paths: [${dir.path}/src] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  nightly: { source: data, sink: repo, retention: { keep_last: 1 } }\n`);
    for (const day of [1, 2, 3]) {
      const manifest = manifestAt('a', day);
      await sink.put(manifest.data_key, Readable.from([Buffer.from('abc')]));
      await repository.writeManifest(manifest);
    }
  });
  afterEach(async () => dir.cleanup());

  /** Lock objects only: a locker also writes and deletes a short-lived `probe-*.tmp` to read the storage's clock. */
  async function lockKeys({ withProbes = false } = {}): Promise<string[]> {
    const keys: string[] = [];
    for await (const info of sink.list('locks/')) if (withProbes || info.key.endsWith('.json')) keys.push(info.key);
    return keys;
  }

  it('prune while a restore reads the snapshot it would remove: prune refuses, naming the restore; after the restore it prunes', async () => {
    const oldest = manifestAt('a', 1);
    // The snapshot's data is a FIFO: the restore blocks reading it until the test writes.
    const fifo = join(dir.path, 'repo', oldest.data_key);
    await sink.delete(oldest.data_key);
    execFileSync('mkfifo', [fifo]);
    const restore = spawn(process.execPath, [vyaBin, 'restore', oldest.id, '--to', join(dir.path, 'out'), '--config', config], { env: { ...process.env, ...env(), NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let restoreErr = '';
    restore.stderr.setEncoding('utf8').on('data', (chunk: string) => (restoreErr += chunk));
    let restoreExited = false;
    const restoreDone = new Promise<number | null>((resolve) => restore.on('close', (code) => ((restoreExited = true), resolve(code))));
    try {
      for (let i = 0; i < 100 && !(await lockKeys()).some((key) => /^locks\/nightly\/a\/shared-/.test(key)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await lockKeys(), `the restore holds a shared lock (restore stderr: ${restoreErr})`).to.have.length(1);

      const blocked = await runVya(['prune', '--config', config], { env: env() });
      expect(blocked.code, blocked.stdout).to.equal(1);
      expect(blocked.stderr).to.match(/^Error: nightly\/a is locked by restore on .* \(shared lock\)/m);
      expect((await repository.listSnapshots({ job: 'nightly' })).map((m) => m.id)).to.include(oldest.id);
      const listed = parseJson<{ operation: string; mode: string; stale: boolean }[]>(await runVya(['locks', '--json', '--config', config], { env: env() }));
      expect(listed.map((l) => [l.operation, l.mode, l.stale])).to.deep.equal([['restore', 'shared', false]]);
    } finally {
      // Writing a FIFO nobody reads would block for ever: only when the restore still waits on it.
      if (!restoreExited) await feedFifo(fifo, 'abc');
      await restoreDone;
    }
    expect(await lockKeys({ withProbes: true }), 'the restore released its lock and left no probe').to.deep.equal([]);
    const pruned = await runVya(['prune', '--config', config], { env: env() });
    expect(pruned.code, pruned.stderr).to.equal(0);
    expect(await repository.listSnapshots({ job: 'nightly' })).to.have.length(1);
  });

  it('verify refuses while prune holds the job, naming the prune', async () => {
    const prune: LockInfo = { id: 'p', job: 'nightly', unit: '*', operation: 'prune', mode: 'exclusive', host: 'otherhost', pid: 77, created_at: new Date().toISOString(), ttl_ms: 600_000 };
    await sink.put('locks/nightly/*/exclusive-1.json', Readable.from([Buffer.from(JSON.stringify(prune))]));
    const verify = await runVya(['verify', 'nightly/a@latest', '--config', config], { env: env() });
    expect(verify.code).to.equal(1);
    expect(verify.stderr).to.match(/^Error: job nightly is locked by prune on otherhost \(pid 77\)/m);
  });

  it('staleness follows the storage time of the lock, not the times written in it', async () => {
    const base = { job: 'nightly', unit: 'a', operation: 'restore', mode: 'shared', host: 'h', pid: 5, ttl_ms: 600_000 };
    // Written by a host whose clock is an hour ahead, and refreshed just now: live.
    const fresh = { ...base, id: 'fresh', created_at: new Date(Date.now() + 3_600_000).toISOString(), expires_at: new Date(Date.now() - 1000).toISOString() };
    // Claims to live for another hour, but the storage has not seen it written for 11 minutes: stale.
    const crashed = { ...base, id: 'crashed', created_at: new Date().toISOString(), expires_at: new Date(Date.now() + 3_600_000).toISOString() };
    for (const lock of [fresh, crashed]) await sink.put(`locks/nightly/a/shared-${lock.id}.json`, Readable.from([Buffer.from(JSON.stringify(lock))]));
    const old = new Date(Date.now() - 11 * 60_000);
    await utimes(join(dir.path, 'repo', 'locks/nightly/a/shared-crashed.json'), old, old);

    const listed = parseJson<{ id: string; stale: boolean }[]>(await runVya(['locks', '--json', '--config', config], { env: env() }));
    expect(listed.map((l) => [l.id, l.stale])).to.deep.equal([
      ['crashed', true],
      ['fresh', false],
    ]);
    const unlocked = await runVya(['unlock', '--config', config], { env: env() });
    expect(unlocked.stdout).to.match(/removed stale lock nightly\/a \(restore, shared, by h pid 5\)/);
    expect(await readdir(join(dir.path, 'repo', 'locks', 'nightly', 'a'))).to.deep.equal(['shared-fresh.json']);
  });

  it('a backup killed while it holds its lock (SIGKILL): `vya locks` says its process exited, and the next backup takes over at once', async () => {
    await mkdir(join(dir.path, 'src'));
    await writeFile(join(dir.path, 'src', 'file.txt'), 'data');
    // A `tar` that never answers keeps the first backup inside its unit, holding the lock.
    const bin = join(dir.path, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'tar'), '#!/bin/sh\n[ "$1" = --version ] && exec /usr/bin/env -u PATH tar "$@"\nexec sleep 120\n');
    await chmod(join(bin, 'tar'), 0o755);
    const killed = spawn(process.execPath, [vyaBin, 'backup', '--config', config], { env: { ...process.env, ...env(), PATH: `${bin}:${process.env.PATH ?? ''}` }, stdio: 'ignore', detached: true });
    const exited = new Promise((resolve) => killed.once('close', resolve));
    const held = async () => (await lockKeys()).filter((key) => /^locks\/nightly\/[^/]+\/exclusive-1\.json$/.test(key));
    try {
      for (let i = 0; i < 400 && (await held()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await held(), 'the first backup holds its lock').to.have.length(1);
    } finally {
      // The whole process group: vya and the `sleep` standing in for tar.
      process.kill(-(killed.pid as number), 'SIGKILL');
      await exited;
    }
    const [key] = await held();
    const listed = await runVya(['locks', '--config', config], { env: env() });
    expect(listed.stdout).to.match(new RegExp(`^STALE .* backup \\(exclusive\\) by .* pid ${String(killed.pid)} .*that process has exited\\)$`, 'm'));

    const next = await runVya(['backup', '--config', config], { env: env() });
    expect(next.code, next.stderr).to.equal(0);
    expect(next.stderr).to.include(`removed the stale lock ${key} (backup by `);
    expect(next.stderr).to.match(new RegExp(`pid ${String(killed.pid)}: that process has exited\\)`));
    expect(await lockKeys()).to.deep.equal([]);
  });
});
