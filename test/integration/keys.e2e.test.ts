import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { parseHeader } from '../../src/core/crypto/age/header.js';
import { parseJson, runVya, tempDir, vyaBin, type CliResult } from '../support/cli.js';
import { S3rverProcess } from '../support/s3rver.js';

interface Identity {
  file: string;
  recipient: string;
  contents: string;
}

async function newIdentity(dir: string, name: string): Promise<Identity> {
  const file = join(dir, `${name}.txt`);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  return { file, recipient: execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim(), contents: await readFile(file, 'utf8') };
}

/** The `age` CLI's verdict on a stored object with one identity: the plaintext, or its error. */
function ageDecrypt(object: string, identity: Identity): { ok: boolean; plain: Buffer; stderr: string } {
  const result = spawnSync('age', ['-d', '-i', identity.file, object], { maxBuffer: 256 * 1024 * 1024 });
  return { ok: result.status === 0, plain: result.stdout, stderr: result.stderr.toString() };
}

/** Every byte after the age header: the payload nonce and the sealed chunks. */
async function payloadOf(object: string): Promise<Buffer> {
  const bytes = await readFile(object);
  return bytes.subarray(parseHeader(bytes)!.length);
}

const isListing = (path: string) => /\.listing\.jsonl\./.test(path);

/**
 * Stored objects under a local repository, keyed by snapshot id: the data objects (`byId`)
 * and the listing objects (`listingsById`) apart, partial files apart.
 */
async function dataObjects(repo: string): Promise<{ byId: Map<string, string[]>; listingsById: Map<string, string[]>; partials: string[] }> {
  const byId = new Map<string, string[]>();
  const listingsById = new Map<string, string[]>();
  const partials: string[] = [];
  const entries = await readdir(join(repo, 'data'), { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    const id = entry.name.split('.')[0];
    const map = isListing(entry.name) ? listingsById : byId;
    if (entry.name.includes('.vya-partial-')) partials.push(path);
    else map.set(id, [...(map.get(id) ?? []), path]);
  }
  return { byId, listingsById, partials };
}

/** A listing object's plain JSON lines, decrypted with the age CLI and decompressed. */
function listingLines(plain: Buffer): string {
  return execFileSync('zstd', ['-d'], { input: plain }).toString();
}

interface KeysList {
  snapshots: { id: string; job: string; unit: string; passphrase: boolean; recipients: string[] }[];
  recipients: { recipient: string; snapshots: number; configured_in: string[] }[];
}

interface KeyReport {
  ok: boolean;
  snapshots: { id: string; outcome: string; data_key?: string; listing_key?: string; note?: string; error?: string }[];
  superseded: string[];
  advice: string[];
}

function expectNoSecretKey(result: CliResult, identities: Identity[]): void {
  const output = result.stdout + result.stderr;
  for (const identity of identities) {
    const key = identity.contents.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'))!;
    expect(output).to.not.include(key);
    expect(output).to.not.include(key.slice(16, 40));
  }
}

describe('end to end: vya keys list/add/remove rewrap stored snapshots', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let alice: Identity;
  let bob: Identity;
  let carol: Identity;
  const repo = () => join(dir.path, 'repo');
  const env = (extra: Record<string, string> = {}) => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_AGE_IDENTITY: '', VYA_SECRET_REPO_PASSWORD: 'the repo passphrase', ...extra });
  const vya = (args: string[], extra: Record<string, string> = {}) => runVya([...args, '--config', config], { env: env(extra) });
  const writeConfig = (recipients: string[]) =>
    writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  data: { type: files, paths: [./one, ./two] }
  secret: { type: files, paths: [./three] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  files: { source: data, sink: repo, encryption: { recipients: [${recipients.join(', ')}] } }
  sealed: { source: secret, sink: repo, encryption: { passphrase: "secret:repo.password" } }
`,
    );

  before(async () => {
    dir = await tempDir('vya-e2e-keys-');
    for (const name of ['one', 'two', 'three']) {
      await mkdir(join(dir.path, name));
      await writeFile(join(dir.path, name, `${name}.bin`), randomBytes(300_000));
    }
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => newIdentity(dir.path, name)));
    config = join(dir.path, 'vya.yml');
    await writeConfig([alice.recipient]);
    const backup = await vya(['backup']);
    expect(backup.code, backup.stderr).to.equal(0);
  });
  after(async () => dir.cleanup());

  it('keys list names the recipients of every snapshot, and the passphrase ones', async () => {
    const result = await vya(['keys', 'list', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const listing = parseJson<KeysList>(result);
    expect(listing.snapshots.filter((s) => s.job === 'files').map((s) => s.recipients)).to.deep.equal([[alice.recipient], [alice.recipient]]);
    expect(listing.snapshots.filter((s) => s.job === 'sealed').map((s) => s.passphrase)).to.deep.equal([true]);
    expect(listing.recipients).to.deep.include({ recipient: alice.recipient, snapshots: 2, jobs: ['files'], configured_in: ['files'] });
    const text = await vya(['keys', 'list']);
    expect(text.stdout).to.include(`${alice.recipient}: 2 snapshot(s) of files; configured in files`);
    expect(text.stdout).to.match(/passphrase: 1 snapshot\(s\)/);
  });

  it('refuses an identity given as contents on the command line, without printing it', async () => {
    const result = await vya(['keys', 'add', '--recipient', bob.recipient, '--identity', alice.contents]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/--identity takes a path to an identity file or a secret: reference, not the key itself/);
    expectNoSecretKey(result, [alice]);
  });

  it('refuses a recipient that is not one, and a missing identity, before changing anything', async () => {
    const bad = await vya(['keys', 'add', '--recipient', 'age1notarecipient']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--recipient: not an age X25519 recipient/);
    const none = await vya(['keys', 'add', '--recipient', bob.recipient, '--job', 'files']);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.match(/no age identity given/);
    const wrong = await vya(['keys', 'add', '--recipient', bob.recipient, '--job', 'files', '-i', carol.file]);
    expect(wrong.code).to.equal(2);
    expect(wrong.stderr).to.match(/no identity given opens it/);
  });

  it('add: the new identity alone decrypts an old snapshot and its listing with the age CLI; the payload bytes are unchanged', async () => {
    const before = await dataObjects(repo());
    const oldObjects = [...before.byId.values()].flat();
    const oldListings = [...before.listingsById.values()].flat().filter((path) => path.includes('/data/files/'));
    expect(oldListings, 'every files snapshot has a listing object').to.have.length(2);
    const payloads = new Map(await Promise.all(oldObjects.map(async (path) => [path.split('/').pop()!.split('.')[0], await payloadOf(path)] as const)));
    const listingPayloads = new Map(await Promise.all(oldListings.map(async (path) => [path.split('/').pop()!.split('.')[0], await payloadOf(path)] as const)));
    expect(ageDecrypt(oldObjects.find((p) => p.includes('/one/') || p.includes('one'))!, bob).ok).to.equal(false);
    expect(ageDecrypt(oldListings[0], bob).ok).to.equal(false);

    const result = await vya(['keys', 'add', '--recipient', bob.recipient, '--job', 'files', '-i', alice.file, '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const report = parseJson<KeyReport>(result);
    expect(report.snapshots.map((s) => s.outcome)).to.deep.equal(['rewrapped', 'rewrapped']);
    expect(report.advice).to.deep.equal([`jobs.files.encryption.recipients: add ${bob.recipient}, or new snapshots are not encrypted to it`]);
    expectNoSecretKey(result, [alice, bob]);

    const after = await dataObjects(repo());
    expect(after.partials).to.deep.equal([]);
    for (const snapshot of report.snapshots) {
      const objects = after.byId.get(snapshot.id)!;
      expect(objects, 'one object per snapshot: the old one is gone').to.have.length(1);
      expect(objects[0]).to.match(/\.rewrap-[0-9a-f]{8}\.tar\.zst\.age$/);
      expect(oldObjects).to.not.include(objects[0]);
      expect((await payloadOf(objects[0])).equals(payloads.get(snapshot.id)!), 'payload bytes after the header').to.equal(true);
      const withBob = ageDecrypt(objects[0], bob);
      expect(withBob.ok, withBob.stderr).to.equal(true);
      const listing = execFileSync('tar', ['-t'], { input: execFileSync('zstd', ['-d'], { input: withBob.plain }) }).toString();
      expect(listing).to.match(/(one|two)\.bin/);
      expect(ageDecrypt(objects[0], alice).ok, 'the old recipient still opens it').to.equal(true);
      const listings = after.listingsById.get(snapshot.id)!;
      expect(listings, 'one listing object per snapshot: the old one is gone').to.have.length(1);
      expect(listings[0].endsWith(snapshot.listing_key!), 'the report names the new listing key').to.equal(true);
      expect(listings[0]).to.match(/\.rewrap-[0-9a-f]{8}\.listing\.jsonl\.zst\.age$/);
      expect(oldListings).to.not.include(listings[0]);
      expect((await payloadOf(listings[0])).equals(listingPayloads.get(snapshot.id)!), 'listing payload bytes after the header').to.equal(true);
      const listingWithBob = ageDecrypt(listings[0], bob);
      expect(listingWithBob.ok, listingWithBob.stderr).to.equal(true);
      expect(listingLines(listingWithBob.plain)).to.match(/"(one|two)\.bin"|(one|two)\.bin/);
    }
    const verify = await vya(['verify', '--all', '--job', 'files', '-i', bob.file]);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    expect(verify.stdout).to.match(/2\/2 snapshot\(s\) verified/);
  });

  it('a second add of the same recipient changes nothing', async () => {
    const before = await dataObjects(repo());
    const result = await vya(['keys', 'add', '--recipient', bob.recipient, '--job', 'files', '-i', alice.file]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/0 rewrapped, 2 unchanged, 0 failed/);
    expect(result.stdout).to.include(`already encrypted to ${bob.recipient}`);
    const after = await dataObjects(repo());
    expect([...after.byId.values()].flat().sort()).to.deep.equal([...before.byId.values()].flat().sort());
    expect([...after.listingsById.values()].flat().sort()).to.deep.equal([...before.listingsById.values()].flat().sort());
  });

  it('remove refuses to keep a recipient the config does not list, until the config lists it', async () => {
    const refused = await vya(['keys', 'remove', '--recipient', alice.recipient, '--job', 'files', '-i', bob.file]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/refused, nothing changed: 2 snapshot\(s\) \(files\/.+\): its manifest lists recipient\(s\) age1\w+ that job "files"'s config does not/);
    expect(refused.stderr).to.include('--keep-unlisted');
    await writeConfig([alice.recipient, bob.recipient]);
  });

  it('remove: the removed identity decrypts neither the data nor the listing with the age CLI, the remaining one does; verify and drill pass', async () => {
    const result = await vya(['keys', 'remove', '--recipient', alice.recipient, '--job', 'files', '-i', bob.file, '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const report = parseJson<KeyReport>(result);
    expect(report.snapshots.map((s) => s.outcome)).to.deep.equal(['rewrapped', 'rewrapped']);
    expect(report.advice).to.deep.equal([`jobs.files.encryption.recipients: remove ${alice.recipient}; until then new snapshots are still encrypted to it`]);
    const objects = [...(await dataObjects(repo())).byId.entries()].filter(([id]) => report.snapshots.some((s) => s.id === id)).map(([, paths]) => paths);
    expect(objects.every((paths) => paths.length === 1)).to.equal(true);
    const { listingsById } = await dataObjects(repo());
    const listings = report.snapshots.map((s) => listingsById.get(s.id)!);
    expect(listings.every((paths) => paths.length === 1)).to.equal(true);
    for (const object of [...objects, ...listings].map(([path]) => path)) {
      const withAlice = ageDecrypt(object, alice);
      expect(withAlice.ok, object).to.equal(false);
      expect(withAlice.stderr).to.match(/no identity matched/);
      const withBob = ageDecrypt(object, bob);
      expect(withBob.ok, withBob.stderr).to.equal(true);
    }
    const text = await vya(['keys', 'remove', '--recipient', carol.recipient, '--job', 'files', '-i', bob.file]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.include(`${carol.recipient} is not a recipient of any snapshot matched: nothing to do`);

    const verifyBob = await vya(['verify', '--all', '--job', 'files', '-i', bob.file]);
    expect(verifyBob.code, verifyBob.stdout + verifyBob.stderr).to.equal(0);
    const verifyAlice = await vya(['verify', '--all', '--job', 'files', '-i', alice.file]);
    expect(verifyAlice.code).to.equal(1);
    expect(verifyAlice.stdout).to.match(/no identity given matches a recipient/);
    const drill = await vya(['drill', 'files', '-i', bob.file, '--json']);
    expect(drill.code, drill.stdout + drill.stderr).to.equal(0);
    const units = parseJson<{ ok: boolean; drills: { units: { status: string; checked: string }[] }[] }>(drill).drills.flatMap((d) => d.units);
    expect(units.map((u) => u.status)).to.deep.equal(['passed', 'passed']);
    for (const unit of units) expect(unit.checked).to.match(/entries, \d+ bytes compared with the listing/);
    const listing = parseJson<KeysList>(await vya(['keys', 'list', '--job', 'files', '--json']));
    expect(listing.snapshots.map((s) => s.recipients)).to.deep.equal([[bob.recipient], [bob.recipient]]);
  });

  it('removing the last recipient is refused', async () => {
    const result = await vya(['keys', 'remove', '--recipient', bob.recipient, '--job', 'files', '-i', bob.file]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/is its only recipient: without it nothing could open the snapshot/);
  });

  it('an unknown job is a usage error, not a silent no-op', async () => {
    const result = await vya(['keys', 'add', '--recipient', carol.recipient, '--job', 'flies', '-i', bob.file]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/no job named "flies" in the config, and no snapshots of it/);
  });

  it('a damaged object is not rewrapped: that snapshot fails, is left as it was, and the others go on', async () => {
    await writeConfig([alice.recipient, bob.recipient, carol.recipient]);
    const { byId, listingsById } = await dataObjects(repo());
    const listing = parseJson<KeysList>(await vya(['keys', 'list', '--job', 'files', '--json']));
    const [damagedId, goodId] = listing.snapshots.map((s) => s.id);
    const [damagedListing] = listingsById.get(damagedId)!;
    const [damaged] = byId.get(damagedId)!;
    const bytes = await readFile(damaged);
    bytes[bytes.length - 100] ^= 0xff;
    await writeFile(damaged, bytes);
    const result = await vya(['keys', 'add', '--recipient', carol.recipient, '--job', 'files', '-i', bob.file, '--json']);
    expect(result.code).to.equal(1);
    const report = parseJson<KeyReport>(result);
    expect(report.ok).to.equal(false);
    expect(report.snapshots.find((s) => s.id === damagedId)).to.deep.include({ outcome: 'failed' });
    expect(report.snapshots.find((s) => s.id === damagedId)?.error).to.match(/stored object does not match its manifest/);
    expect(report.snapshots.find((s) => s.id === goodId)?.outcome).to.equal('rewrapped');
    const after = await dataObjects(repo());
    expect(after.byId.get(damagedId)).to.deep.equal([damaged]);
    expect(after.listingsById.get(damagedId), 'its listing is left as it was too').to.deep.equal([damagedListing]);
    expect((await readFile(damaged)).equals(bytes)).to.equal(true);
    expect(after.partials).to.deep.equal([]);
    const [good] = after.byId.get(goodId)!;
    expect(ageDecrypt(good, carol).ok).to.equal(true);
    expect(ageDecrypt(after.listingsById.get(goodId)![0], carol).ok).to.equal(true);
    expect(ageDecrypt(damagedListing, carol).ok).to.equal(false);
  });

  it('a passphrase snapshot moves to a recipient only with --replace-passphrase', async () => {
    const refused = await vya(['keys', 'add', '--recipient', carol.recipient, '--job', 'sealed']);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/passphrase-encrypted: age cannot combine a passphrase with recipients.*--replace-passphrase/);
    const moved = await vya(['keys', 'add', '--recipient', carol.recipient, '--job', 'sealed', '--replace-passphrase', '--json']);
    expect(moved.code, moved.stderr).to.equal(0);
    const report = parseJson<KeyReport>(moved);
    expect(report.snapshots.map((s) => s.outcome)).to.deep.equal(['rewrapped']);
    expect(report.advice[0]).to.match(/^jobs\.sealed\.encryption: new snapshots still use the passphrase; replace `passphrase: \.\.\.` with `recipients: \[age1/);
    expect(moved.stdout + moved.stderr).to.not.include('the repo passphrase');
    const stored = await dataObjects(repo());
    const [object] = stored.byId.get(report.snapshots[0].id)!;
    expect(ageDecrypt(object, carol).ok).to.equal(true);
    const [listingObject] = stored.listingsById.get(report.snapshots[0].id)!;
    expect(listingObject).to.match(/\.rewrap-[0-9a-f]{8}\.listing\.jsonl\.zst\.age$/);
    expect(ageDecrypt(listingObject, carol).ok).to.equal(true);
    const verify = await vya(['verify', '--all', '--job', 'sealed', '-i', carol.file]);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });
});

describe('end to end: an interrupted rewrap (kill -9) leaves every snapshot readable, and a rerun completes', function () {
  this.timeout(600_000);
  const UNITS = 12;
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let alice: Identity;
  let bob: Identity;
  const repo = () => join(dir.path, 'repo');
  const env = (extra: Record<string, string> = {}) => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_AGE_IDENTITY: '', ...extra });
  const vya = (args: string[], extra: Record<string, string> = {}, kill?: (stderr: string) => boolean) =>
    runVya([...args, '--config', config], { env: env(extra), kill: kill ? { signal: 'SIGKILL', when: kill } : undefined });

  before(async () => {
    dir = await tempDir('vya-e2e-keys-kill-');
    const paths: string[] = [];
    for (let i = 0; i < UNITS; i++) {
      await mkdir(join(dir.path, 'src', `u${i}`), { recursive: true });
      await writeFile(join(dir.path, 'src', `u${i}`, 'data.bin'), randomBytes(1_500_000));
      paths.push(`./src/u${i}`);
    }
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => newIdentity(dir.path, name)));
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  many: { type: files, paths: [${paths.join(', ')}] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  many: { source: many, sink: repo, encryption: { recipients: [${alice.recipient}, ${bob.recipient}] }, retention: { keep_last: 100 } }
`,
    );
    const backup = await vya(['backup']);
    expect(backup.code, backup.stderr).to.equal(0);
  });
  after(async () => dir.cleanup());

  /** After a kill: the dead process's lock is removed (it cannot be judged stale for 10 min), then every snapshot verifies. */
  async function everySnapshotVerifies(): Promise<void> {
    const unlock = await vya(['unlock', '--job', 'many', '--all']);
    expect(unlock.code, unlock.stderr).to.equal(0);
    const verify = await vya(['verify', '--all', '-i', alice.file]);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
    expect(verify.stdout).to.include(`${UNITS}/${UNITS} snapshot(s) verified`);
  }

  /** Every stored object that is no partial file is one its manifest names: one data object and one listing per snapshot. */
  async function onlyReferencedObjects(): Promise<void> {
    const { byId, listingsById } = await dataObjects(repo());
    const listing = parseJson<{ data_key?: string; id: string }[]>(await vya(['snapshots', '--json']));
    expect(listing).to.have.length(UNITS);
    expect(byId.size).to.equal(UNITS);
    expect(listingsById.size).to.equal(UNITS);
    for (const paths of [...byId.values(), ...listingsById.values()]) expect(paths, paths.map((p) => relative(repo(), p)).join(' ')).to.have.length(1);
  }

  /**
   * Runs vya with VYA_TEST_KEYS_PAUSE=step and kills it (once) when it paused there and `ready`
   * holds (polled: the sink's partial file appears a moment after the copy starts).
   */
  function killAtStep(args: string[], step: string, ready: () => Promise<boolean> = async () => true, signal: NodeJS.Signals = 'SIGKILL'): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [vyaBin, ...args, '--config', config], { env: { ...process.env, NO_COLOR: '1', ...env({ VYA_TEST_KEYS_PAUSE: step }) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let polling = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (polling || !stderr.includes(`paused at step "${step}"`)) return;
        polling = true;
        void (async () => {
          for (let i = 0; i < 600 && !(await ready()); i++) await sleep(100);
          child.kill(signal);
        })();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }

  /** What a kill at each step leaves beside the snapshots' own objects, and what the rerun reports as superseded. */
  const leftAt: Record<string, { data: number; listing: number; superseded: number }> = {
    copying: { data: 0, listing: 0, superseded: 0 },
    'data-copied': { data: 1, listing: 0, superseded: 1 },
    copied: { data: 1, listing: 1, superseded: 0 }, // removed by prune --orphans before the rerun
    switched: { data: 1, listing: 1, superseded: 2 },
  };
  for (const step of ['copying', 'data-copied', 'copied', 'switched']) {
    it(`killed at step "${step}" of a rewrap: every snapshot verifies; the rerun completes and removes what was left`, async () => {
      const partialWritten = async () => (await dataObjects(repo())).partials.length > 0;
      const killed = await killAtStep(['keys', 'remove', '--recipient', bob.recipient, '-i', alice.file], step, step === 'copying' ? partialWritten : undefined);
      expect(killed.code, killed.stderr).to.not.equal(0);
      expect(killed.stderr).to.include(`paused at step "${step}"`);
      const { byId, listingsById, partials } = await dataObjects(repo());
      const extra = (objects: Map<string, string[]>) => [...objects.values()].reduce((sum, paths) => sum + paths.length - 1, 0);
      if (step === 'copying') expect(partials.length, 'a half-written new object').to.equal(1);
      expect({ data: extra(byId), listing: extra(listingsById) }, 'old and new objects side by side').to.deep.equal({ data: leftAt[step].data, listing: leftAt[step].listing });
      await everySnapshotVerifies();
      if (step === 'copied') {
        // The new objects the killed run wrote are none of a snapshot's own: prune --orphans removes both.
        const prune = await vya(['prune', '--job', 'many', '--orphans', '0s', '--json']);
        expect(prune.code, prune.stderr).to.equal(0);
        const orphans = parseJson<{ jobs: { orphans: string[] }[] }>(prune).jobs[0].orphans;
        expect(orphans).to.have.length(2);
        expect(orphans.filter(isListing)).to.have.length(1);
        await onlyReferencedObjects();
        await everySnapshotVerifies();
      }

      const rerun = await vya(['keys', 'remove', '--recipient', bob.recipient, '-i', alice.file, '--json']);
      expect(rerun.code, rerun.stderr).to.equal(0);
      const report = parseJson<KeyReport>(rerun);
      expect(report.snapshots.filter((s) => s.outcome === 'failed')).to.deep.equal([]);
      expect(report.snapshots.filter((s) => s.outcome === 'rewrapped')).to.have.length(step === 'switched' ? UNITS - 1 : UNITS);
      expect(report.superseded, 'what the killed run left').to.have.length(leftAt[step].superseded);
      await onlyReferencedObjects();
      await everySnapshotVerifies();
      const listing = parseJson<KeysList>(await vya(['keys', 'list', '--json']));
      expect(new Set(listing.snapshots.map((s) => s.recipients.join(',')))).to.deep.equal(new Set([alice.recipient]));
      // Back to both recipients for the next step.
      const restore = await vya(['keys', 'add', '--recipient', bob.recipient, '-i', alice.file]);
      expect(restore.code, restore.stderr).to.equal(0);
    });
  }

  it('SIGINT mid-copy: exit 130, the half-written object is removed, the lock released, every snapshot verifies', async () => {
    const partialsBefore = (await dataObjects(repo())).partials;
    const partialWritten = async () => (await dataObjects(repo())).partials.length > partialsBefore.length;
    const stopped = await killAtStep(['keys', 'remove', '--recipient', bob.recipient, '-i', alice.file], 'copying', partialWritten, 'SIGINT');
    expect(stopped.code, stopped.stderr).to.equal(130);
    expect(stopped.stderr, stopped.stderr).to.match(/^Error: interrupted by SIGINT; snapshot \S+ was left as it was$/m);
    expect((await dataObjects(repo())).partials, 'no new partial file').to.deep.equal(partialsBefore);
    const verify = await vya(['verify', '--all', '-i', alice.file]);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });

  it('killed while running, after a few snapshots (polling its progress): every snapshot verifies; the rerun completes', async () => {
    const killed = await vya(['keys', 'remove', '--recipient', bob.recipient, '-i', alice.file], {}, (stderr) => /rewrapped \(2\/12\)/.test(stderr));
    expect(killed.code, `${killed.stdout}${killed.stderr}`).to.not.equal(0);
    await everySnapshotVerifies();
    const partly = parseJson<KeysList>(await vya(['keys', 'list', '--json']));
    const removed = partly.snapshots.filter((s) => !s.recipients.includes(bob.recipient)).length;
    expect(removed).to.be.within(2, UNITS - 1);

    const rerun = await vya(['keys', 'remove', '--recipient', bob.recipient, '-i', alice.file, '--json']);
    expect(rerun.code, rerun.stderr).to.equal(0);
    const report = parseJson<KeyReport>(rerun);
    expect(report.snapshots.filter((s) => s.outcome === 'rewrapped').length).to.equal(UNITS - removed);
    await onlyReferencedObjects();
    await everySnapshotVerifies();
    const { byId, listingsById } = await dataObjects(repo());
    for (const [object] of [...byId.values(), ...listingsById.values()]) expect(ageDecrypt(object, bob).ok).to.equal(false);
  });
});

describe('end to end: vya keys rewraps snapshots in an S3 bucket (s3rver)', function () {
  this.timeout(300_000);
  const server = new S3rverProcess();
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let alice: Identity;
  let bob: Identity;
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_AGE_IDENTITY: '', VYA_SECRET_S3_USERNAME: 'S3RVER', VYA_SECRET_S3_PASSWORD: 'S3RVER' });
  const vya = (args: string[]) => runVya([...args, '--config', config], { env: env() });

  /** The data objects s3rver keeps on disk (`<key>._S3rver_object`). */
  async function storedDataObjects(): Promise<string[]> {
    const entries = await readdir(server.dataDir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith('._S3rver_object') && join(e.parentPath, e.name).includes('/data/')).map((e) => join(e.parentPath, e.name));
  }

  before(async () => {
    await server.start(['backups']);
    dir = await tempDir('vya-e2e-keys-s3-');
    await mkdir(join(dir.path, 'files'));
    await writeFile(join(dir.path, 'files', 'a.bin'), randomBytes(3_000_000));
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => newIdentity(dir.path, name)));
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `secrets: { store: env, env: { type: env } }
sources:
  files: { type: files, paths: [./files] }
sinks:
  bucket: { type: s3, bucket: backups, prefix: vya/, endpoint: ${server.endpoint}, force_path_style: true, access_key_id: "secret:s3.username", secret_access_key: "secret:s3.password", part_size_mb: 5 }
jobs:
  files: { source: files, sink: bucket, encryption: { recipients: [${alice.recipient}] } }
`,
    );
    const backup = await vya(['backup']);
    expect(backup.code, backup.stderr).to.equal(0);
  });
  after(async () => {
    await server.stop();
    await dir.cleanup();
  });

  it('add then remove: the bucket holds one data object and one listing, which only the new identity opens, payloads unchanged', async () => {
    const before = await storedDataObjects();
    expect(before).to.have.length(2);
    const [old, oldListing] = [before.find((p) => !isListing(p))!, before.find(isListing)!];
    const [payload, listingPayload] = [await payloadOf(old), await payloadOf(oldListing)];
    const added = await vya(['keys', 'add', '--recipient', bob.recipient, '-i', alice.file]);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stdout).to.match(/1 rewrapped, 0 unchanged, 0 failed/);
    const removed = await vya(['keys', 'remove', '--recipient', alice.recipient, '-i', bob.file, '--keep-unlisted']);
    expect(removed.code, removed.stderr).to.equal(0);
    const objects = await storedDataObjects();
    expect(objects).to.have.length(2);
    const [data, listing] = [objects.find((p) => !isListing(p))!, objects.find(isListing)!];
    expect(data).to.match(/\.rewrap-[0-9a-f]{8}\.tar\.zst\.age\._S3rver_object$/);
    expect(listing).to.match(/\.rewrap-[0-9a-f]{8}\.listing\.jsonl\.zst\.age\._S3rver_object$/);
    expect((await payloadOf(data)).equals(payload)).to.equal(true);
    expect((await payloadOf(listing)).equals(listingPayload)).to.equal(true);
    for (const object of [data, listing]) {
      expect(ageDecrypt(object, bob).ok, object).to.equal(true);
      expect(ageDecrypt(object, alice).ok, object).to.equal(false);
    }
    const verify = await vya(['verify', '--all', '-i', bob.file]);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });
});
