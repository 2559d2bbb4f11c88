import { execFileSync } from 'node:child_process';
import { copyFile, cp, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { dataKey, dataPrefix, manifestKey } from '../../src/core/repository/keys.js';
import type { Manifest } from '../../src/core/repository/manifest.js';
import { parseJson, runVya, tempDir, type CliResult } from '../support/cli.js';

interface SnapshotRow {
  id: string;
  job: string;
  unit: string;
}

interface VerifyJson {
  ok: boolean;
  results: { id: string; ok: boolean; checked: string; key?: string; note?: string; error?: string }[];
}

const exists = (path: string) => stat(path).then(
  () => true,
  () => false,
);

/**
 * A hostile or damaged repository: manifests planted or broken by hand beside real snapshots
 * made by the real binary, and what snapshots, verify, restore and prune make of them.
 */
describe('end to end: repository integrity (manifests, verify, prune, partial objects)', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let pristine: string;
  let repo: string;
  let config: string;
  let identity: string;
  let recipient: string;
  let unit: string;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_AGE_IDENTITY: undefined });
  const vya = (args: string[]) => runVya([...args, '--config', config], { env: env() });
  const snapshotsOf = async (job: string) => (await readSnapshots()).filter((row) => row.job === job);
  const readSnapshots = async () => parseJson<SnapshotRow[]>(await vya(['snapshots', '--json']));
  const manifestPath = (job: string, id: string) => join(repo, manifestKey(job, unit, id));
  const readManifest = async (job: string, id: string) => JSON.parse(await readFile(manifestPath(job, id), 'utf8')) as Manifest;

  /** A manifest for a new, newer snapshot of `job` copied from `from`, with its data object copied too. */
  async function plant(from: Manifest, job: string, id: string, change: (manifest: Record<string, unknown>) => void): Promise<string> {
    const extension = from.data_key.slice(from.data_key.indexOf(`${from.id}.`) + from.id.length + 1);
    const manifest: Record<string, unknown> = { ...from, id, job, run_id: `run-${id}`, data_key: dataKey(job, unit, id, extension), started_at: new Date(Date.now() + 60_000).toISOString() };
    // A files snapshot also has a listing object, bound to its snapshot like the data.
    const listing = from.listing && { ...from.listing, key: dataKey(job, unit, id, from.listing.key.slice(from.listing.key.indexOf(`${from.id}.`) + from.id.length + 1)) };
    if (listing) manifest.listing = listing;
    change(manifest);
    await mkdir(join(repo, dataPrefix(job, unit)), { recursive: true });
    await copyFile(join(repo, from.data_key), join(repo, manifest.data_key as string));
    if (from.listing && listing) await copyFile(join(repo, from.listing.key), join(repo, listing.key));
    const key = manifestKey(job, unit, id);
    await writeFile(join(repo, key), typeof manifest.raw === 'string' ? manifest.raw : JSON.stringify(manifest, null, 2));
    return key;
  }

  before(async () => {
    dir = await tempDir('vya-e2e-integrity-');
    identity = join(dir.path, 'identity.txt');
    execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
    recipient = /public key: (age1\w+)/.exec(await readFile(identity, 'utf8'))![1];
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'hello.txt'), 'hello\n');
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      [
        'sources:',
        `  data: { type: files, paths: [${join(dir.path, 'data')}] }`,
        'sinks:',
        '  repo: { type: local, path: ./repo }',
        'jobs:',
        `  enc: { source: data, sink: repo, encryption: { recipients: [${recipient}] }, retention: { keep_last: 1 } }`,
        '  plain: { source: data, sink: repo, retention: { keep_last: 1 } }',
        '',
      ].join('\n'),
    );
    for (let i = 0; i < 2; i++) {
      const backup = await vya(['backup']);
      expect(backup.code, backup.stderr).to.equal(0);
    }
    repo = join(dir.path, 'repo');
    pristine = join(dir.path, 'pristine');
    await cp(repo, pristine, { recursive: true });
    unit = (await snapshotsOf('plain'))[0].unit;
  });
  beforeEach(async () => {
    await rm(repo, { recursive: true, force: true });
    await cp(pristine, repo, { recursive: true });
  });
  after(async () => dir.cleanup());

  function expectOneLineError(result: CliResult, pattern: RegExp): void {
    expect(result.code, result.stdout + result.stderr).to.not.equal(0);
    expect(result.stderr).to.match(pattern);
    expect(result.stderr).to.not.match(/INTERNAL|is not a function|--debug/);
  }

  it('a manifest with wrong types is reported by key, counted by verify --all, and never restored as @latest', async () => {
    const [older, newest] = await snapshotsOf('plain');
    const key = await plant(await readManifest('plain', newest.id), 'plain', '29990101T000000Z-aaaaaa', (m) => (m.started_at = 5));
    const listed = await vya(['snapshots', '--json']);
    expect(listed.code).to.equal(1);
    expect(listed.stderr).to.include(key);
    expect(listed.stderr).to.match(/started_at must be a string/);
    expect(parseJson<SnapshotRow[]>(listed).map((r) => r.id)).to.include.members([older.id, newest.id]);

    const verify = await vya(['verify', '--all', '--job', 'plain', '--json']);
    expect(verify.code).to.equal(1);
    const results = parseJson<VerifyJson>(verify).results;
    expect(results).to.have.length(3);
    expect(results.find((r) => !r.ok)).to.include({ key, checked: 'manifest' });

    const target = join(dir.path, 'restore-wrong-types');
    const restore = await vya(['restore', `plain/${unit}@latest`, '--to', target]);
    expectOneLineError(restore, new RegExp(`cannot be used: manifest ${key.replace(/[.%]/g, '\\$&')}: started_at must be a string`));
    expect(await exists(target)).to.equal(false);
  });

  it('a manifest with broken JSON fails verify --all and @latest instead of falling back to an older snapshot', async () => {
    const [, newest] = await snapshotsOf('plain');
    const key = await plant(await readManifest('plain', newest.id), 'plain', '29990101T000000Z-bbbbbb', (m) => (m.raw = '{"format": "vya-manifest", "id": '));
    const verify = await vya(['verify', '--all', '--job', 'plain']);
    expect(verify.code).to.equal(1);
    expect(verify.stdout).to.match(/FAILED .* not valid JSON/);
    expect(verify.stdout).to.match(/^2\/3 snapshot\(s\) verified$/m);
    const target = join(dir.path, 'restore-broken');
    const restore = await vya(['restore', `plain/${unit}@latest`, '--to', target]);
    expectOneLineError(restore, new RegExp(`${key.replace(/[.%]/g, '\\$&')}: not valid JSON`));
    expect(await exists(target)).to.equal(false);
    // The older snapshot named by its id is still restorable.
    const byId = await vya(['restore', newest.id, '--to', target]);
    expect(byId.code, byId.stderr).to.equal(0);
    expect(await readFile(join(target, 'hello.txt'), 'utf8').catch(() => readFile(join(target, dir.path, 'data', 'hello.txt'), 'utf8'))).to.equal('hello\n');
  });

  it('an unencrypted manifest planted in a job configured for age is refused by restore and verify unless --allow-unencrypted', async () => {
    const [, plainNewest] = await snapshotsOf('plain');
    const id = '29990101T000000Z-cccccc';
    await plant(await readManifest('plain', plainNewest.id), 'enc', id, () => {});
    const target = join(dir.path, 'restore-downgrade');
    const restore = await vya(['restore', `enc/${unit}@latest`, '--to', target]);
    expectOneLineError(restore, /refusing snapshot 29990101T000000Z-cccccc is not encrypted, but job "enc" is configured for age/);
    expect(restore.stderr).to.match(/Hint: .*--allow-unencrypted/);
    expect(await exists(target)).to.equal(false);
    const verify = await vya(['verify', id]);
    expect(verify.code).to.equal(1);
    expect(verify.stdout).to.match(/FAILED .*refused: .*not encrypted/);

    const allowedVerify = await vya(['verify', id, '--allow-unencrypted']);
    expect(allowedVerify.code, allowedVerify.stdout + allowedVerify.stderr).to.equal(0);
    const allowed = await vya(['restore', `enc/${unit}@latest`, '--to', target, '--allow-unencrypted']);
    expect(allowed.code, allowed.stderr).to.equal(0);
    expect(allowed.stderr).to.match(/not encrypted.*--allow-unencrypted/);
  });

  it('an empty snapshot reference and an ambiguous prefix are errors', async () => {
    const target = join(dir.path, 'restore-empty');
    const empty = await vya(['restore', '', '--to', target]);
    expect(empty.code).to.equal(2);
    expect(empty.stderr).to.match(/^Error: empty snapshot reference/m);
    expect(await exists(target)).to.equal(false);
    const verifyEmpty = await vya(['verify', ' ']);
    expect(verifyEmpty.code).to.equal(2);
    const ambiguous = await vya(['restore', (await readSnapshots())[0].id.slice(0, 4), '--to', target]);
    expect(ambiguous.code).to.equal(2);
    expect(ambiguous.stderr).to.match(/is ambiguous: 4 snapshots match/);
    expect(await exists(target)).to.equal(false);
  });

  it('verify of an encrypted snapshot without an identity fails; --sha256-only passes and says so; an identity proves it all', async () => {
    const without = await vya(['verify', '--all', '--job', 'enc']);
    expect(without.code).to.equal(1);
    expect(without.stdout).to.include(`sha256 only: no identity for recipients ${recipient}`);
    expect(without.stdout).to.match(/^0\/2 snapshot\(s\) verified$/m);
    const sha = await vya(['verify', '--all', '--job', 'enc', '--sha256-only', '--json']);
    expect(sha.code, sha.stderr).to.equal(0);
    for (const result of parseJson<VerifyJson>(sha).results) expect(result).to.include({ ok: true, checked: 'sha256' }).and.to.have.property('note').that.matches(/^sha256 only/);
    const full = await vya(['verify', '--all', '--job', 'enc', '--identity', identity]);
    expect(full.code, full.stdout).to.equal(0);
    expect(full.stdout).to.match(/sha256, age decryption, zstd decompression ok/);
  });

  it('a newer format_version is an error naming the version, for snapshots, restore and prune', async () => {
    const [, newest] = await snapshotsOf('plain');
    await plant(await readManifest('plain', newest.id), 'plain', '29990101T000000Z-dddddd', (m) => (m.format_version = 7));
    const listed = await vya(['snapshots']);
    expect(listed.code).to.equal(1);
    expect(listed.stderr).to.match(/format_version 7 is newer than this vya understands/);
    const restore = await vya(['restore', `plain/${unit}@latest`, '--to', join(dir.path, 'restore-new')]);
    expectOneLineError(restore, /format_version 7 is newer/);
    const prune = await vya(['prune', '--job', 'plain']);
    expectOneLineError(prune, /prune of job "plain" refused, nothing deleted: .*format_version 7 is newer/);
    expect(prune.stderr).to.match(/Hint: upgrade vya/);
    expect(await snapshotsOf('plain')).to.have.length(2);
  });

  it('prune --orphans with an unreadable manifest deletes nothing: not its data, not what retention would remove', async () => {
    const [older, newest] = await snapshotsOf('plain');
    // The newest snapshot's manifest is damaged; its data is old enough to look like an orphan.
    const damaged = await readManifest('plain', newest.id);
    await writeFile(manifestPath('plain', newest.id), '{ damaged');
    const longAgo = new Date(Date.now() - 30 * 86_400_000);
    await utimes(join(repo, damaged.data_key), longAgo, longAgo);
    const prune = await vya(['prune', '--job', 'plain', '--orphans', '1h']);
    expectOneLineError(prune, new RegExp(`refused, nothing deleted: 1 manifest\\(s\\) in sink repo cannot be used: manifest snapshots/plain/.*${newest.id}\\.json: not valid JSON`));
    expect(await exists(join(repo, damaged.data_key))).to.equal(true);
    expect(await exists(manifestPath('plain', older.id))).to.equal(true);
  });

  it('prune --orphans decides by manifest keys and removes old partial objects, keeping fresh ones', async () => {
    const [older, newest] = await snapshotsOf('plain');
    const manifest = await readManifest('plain', newest.id);
    const longAgo = new Date(Date.now() - 2 * 3_600_000);
    const oldPartial = `${manifest.data_key}.vya-partial-0badf00d`;
    const oldManifestPartial = `${manifestKey('plain', unit, '29990101T000000Z-eeeeee')}.vya-partial-1badf00d`;
    const freshPartial = `${dataKey('plain', unit, '29990101T000000Z-ffffff', 'tar.zst')}.vya-partial-2badf00d`;
    for (const key of [oldPartial, oldManifestPartial, freshPartial]) await writeFile(join(repo, key), 'partial bytes');
    for (const key of [oldPartial, oldManifestPartial]) await utimes(join(repo, key), longAgo, longAgo);
    // Old data of both snapshots: only the key of a manifest keeps it.
    for (const id of [older.id, newest.id]) {
      const m = await readManifest('plain', id);
      await utimes(join(repo, m.data_key), longAgo, longAgo);
    }

    const listed = await vya(['snapshots', '--json']);
    expect(listed.code, listed.stderr).to.equal(0);
    const dry = await vya(['prune', '--job', 'plain', '--orphans', '1h', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).to.equal(0);
    const planned = parseJson<{ jobs: { partials: string[]; orphans: string[] }[] }>(dry).jobs[0];
    expect(planned.partials).to.deep.equal([oldPartial, oldManifestPartial].sort());
    expect(planned.orphans).to.deep.equal([]);
    expect(await exists(join(repo, oldPartial))).to.equal(true);

    const prune = await vya(['prune', '--job', 'plain', '--orphans', '1h']);
    expect(prune.code, prune.stderr).to.equal(0);
    expect(prune.stdout).to.include(`removed partial object ${oldPartial}`);
    expect(await exists(join(repo, oldPartial))).to.equal(false);
    expect(await exists(join(repo, oldManifestPartial))).to.equal(false);
    expect(await exists(join(repo, freshPartial))).to.equal(true);
    expect(await exists(join(repo, manifest.data_key))).to.equal(true);
    expect((await snapshotsOf('plain')).map((r) => r.id)).to.deep.equal([newest.id]);
  });
});
