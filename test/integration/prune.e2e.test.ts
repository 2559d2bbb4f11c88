import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { lockKey, type LockInfo } from '../../src/core/locks/repository-lock.js';
import { dataKey } from '../../src/core/repository/keys.js';
import { Repository } from '../../src/core/repository/repository.js';
import { LocalSink } from '../../plugins/local/src/local-sink.js';
import { parseJson, runVya, tempDir } from '../support/cli.js';
import { plantedManifest as manifestAt } from '../support/planted-manifest.js';

interface PruneJson {
  jobs: { job: string; removed: number; kept: number; orphans: string[]; units: { unit: string; keep: { id: string; reasons: string[] }[]; remove: { id: string }[] }[] }[];
}

describe('end to end: prune and repository locks', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let sink: LocalSink;
  let repository: Repository;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state') });
  // 10 daily snapshots at 02:00 UTC, 1..10 March 2026, for two units; and one of another job.
  const days = Array.from({ length: 10 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}T02:00:00.000Z`);

  beforeEach(async () => {
    dir = await tempDir('vya-e2e-prune-');
    sink = new LocalSink(join(dir.path, 'repo'));
    repository = new Repository(sink, 'repo');
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:\n  data: { type: files, paths: [${dir.path}] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  nightly: { source: data, sink: repo, retention: { keep_last: 2, keep_weekly: 2, timezone: UTC } }\n  other: { source: data, sink: repo }\n`,
    );
    let index = 0;
    for (const unit of ['a', 'b']) {
      for (const day of days) {
        const manifest = manifestAt('nightly', unit, day, index++);
        await sink.put(manifest.data_key, Readable.from([Buffer.from('abc')]));
        await repository.writeManifest(manifest);
      }
    }
    const other = manifestAt('other', 'a', days[0], 999);
    await sink.put(other.data_key, Readable.from([Buffer.from('abc')]));
    await repository.writeManifest(other);
  });
  afterEach(async () => dir.cleanup());

  // By hand: 1 March 2026 is a Sunday (ISO week 9), 2..8 March week 10, 9..10 March week 11.
  // keep_last 2 keeps 10 and 9 March; keep_weekly 2 keeps 10 March (week 11) and 8 March (week 10).
  const expectedKept = ['2026-03-08T02:00:00.000Z', '2026-03-09T02:00:00.000Z', '2026-03-10T02:00:00.000Z'];

  it('--dry-run shows what is kept, by which rule, and removes nothing', async () => {
    const result = await runVya(['prune', '--dry-run', '--json', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    const report = parseJson<PruneJson>(result).jobs[0];
    expect(report).to.include({ job: 'nightly', removed: 14, kept: 6 });
    const unitA = report.units.find((u) => u.unit === 'a');
    expect(unitA?.keep.map((k) => k.reasons.join('+'))).to.deep.equal(['newest+last+weekly', 'last', 'weekly']);
    expect(unitA?.remove).to.have.length(7);
    expect((await repository.listSnapshots({ job: 'nightly' })).length).to.equal(20);
  });

  it('removes what the policy does not keep, per unit, and leaves other jobs alone', async () => {
    const result = await runVya(['prune', '--job', 'nightly', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/nightly \(sink repo\): keep \d+, removed \d+/);
    const left = await repository.listSnapshots({ job: 'nightly' });
    for (const unit of ['a', 'b']) {
      const times = left.filter((m) => m.unit.name === unit).map((m) => m.started_at);
      expect(times).to.deep.equal(expectedKept);
    }
    for (const manifest of left) expect(await sink.stat(manifest.data_key), manifest.data_key).to.not.equal(undefined);
    const dataLeft: string[] = [];
    for await (const info of sink.list('data/nightly/')) dataLeft.push(info.key);
    expect(dataLeft.sort()).to.deep.equal(left.map((m) => m.data_key).sort());
    expect(await repository.listSnapshots({ job: 'other' })).to.have.length(1);
  });

  it('re-running after an interruption finishes the job; --orphans removes only old unreferenced data', async () => {
    const victim = (await repository.listSnapshots({ job: 'nightly', unit: 'a' }))[1];
    // An interrupted prune: the manifest is gone, the data is not.
    await sink.delete(`snapshots/nightly/a/${victim.id}.json`);
    const old = new Date('2026-03-02T00:00:00Z');
    await utimes(join(dir.path, 'repo', victim.data_key), old, old);
    // A backup in flight: data just written, manifest not yet.
    const inflight = dataKey('nightly', 'a', '20260311T020000Z-aaaaaa', 'tar');
    await sink.put(inflight, Readable.from([Buffer.from('new')]));
    const result = await runVya(['prune', '--orphans', '1h', '--json', '--config', config], { env: env() });
    expect(result.code, result.stderr).to.equal(0);
    expect(parseJson<PruneJson>(result).jobs[0].orphans).to.deep.equal([victim.data_key]);
    expect(await sink.stat(victim.data_key)).to.equal(undefined);
    expect(await sink.stat(inflight)).to.not.equal(undefined);
  });

  it('a live lock held by another process makes prune fail clearly; a stale one is broken by unlock', async () => {
    const now = Date.now();
    const live: LockInfo = { id: 'live-1', job: 'nightly', unit: 'a', operation: 'backup', mode: 'exclusive', host: 'otherhost', pid: 4242, created_at: new Date(now - 1000).toISOString(), ttl_ms: 600_000 };
    await sink.put(lockKey(live), Readable.from([Buffer.from(JSON.stringify(live))]));
    const blocked = await runVya(['prune', '--config', config], { env: env() });
    expect(blocked.code).to.equal(1);
    expect(blocked.stderr).to.match(/^Error: nightly\/a is locked by backup on otherhost \(pid 4242\)/m);
    expect(blocked.stderr).to.match(/^Hint: wait for it to finish; .*vya unlock --job nightly/m);
    expect((await repository.listSnapshots({ job: 'nightly' })).length).to.equal(20);

    const locks = parseJson<{ stale: boolean }[]>(await runVya(['locks', '--json', '--config', config], { env: env() }));
    expect(locks.map((l) => l.stale)).to.deep.equal([false]);
    const keepLive = await runVya(['unlock', '--config', config], { env: env() });
    expect(keepLive.stdout).to.match(/0 lock\(s\) removed/);

    // Stale: the storage has not seen it rewritten for longer than its TTL.
    const aged = new Date(now - 700_000);
    await utimes(join(dir.path, 'repo', lockKey(live)), aged, aged);
    const unlocked = await runVya(['unlock', '--config', config], { env: env() });
    expect(unlocked.stdout).to.match(/removed stale lock nightly\/a/);
    const pruned = await runVya(['prune', '--config', config], { env: env() });
    expect(pruned.code, pruned.stderr).to.equal(0);
  });

  it('two prunes at once: each either finishes or fails with the lock error, and the result is the policy', async () => {
    const [one, two] = await Promise.all([runVya(['prune', '--config', config], { env: env() }), runVya(['prune', '--config', config], { env: env() })]);
    for (const result of [one, two]) {
      if (result.code !== 0) expect(result.stderr).to.match(/is locked by prune on/);
    }
    expect([one.code, two.code]).to.include(0);
    const left = await repository.listSnapshots({ job: 'nightly' });
    expect(left).to.have.length(6);
    const locks: string[] = [];
    for await (const info of sink.list('locks/')) locks.push(info.key);
    expect(locks).to.deep.equal([]);
  });
});
