import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { generatedStream } from '@vya/testing';
import { parseJson, runVya, tempDir } from '../support/cli.js';
import { describeTree } from '../support/describe-tree.js';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';

const describeTreeOf = (root: string) => describeTree(root, { fileModes: true, times: 'files' });

interface SnapshotRow {
  id: string;
  job: string;
  unit: string;
  source: string;
  sink: string;
  time: string;
  raw_bytes: number;
  stored_bytes: number;
  sha256: string;
}

/** Builds the tree the issue asks for: nested dirs, empty files, a big file, symlinks, unicode names. */
async function buildTree(root: string, bigFileBytes: number): Promise<void> {
  await mkdir(join(root, 'nested/deeper/deepest'), { recursive: true });
  await mkdir(join(root, 'empty-dir'));
  await writeFile(join(root, 'nested/deeper/deepest/leaf.txt'), 'leaf\n');
  await writeFile(join(root, 'empty-file'), '');
  await writeFile(join(root, 'nested/ünïcödé 文件 🚀.txt'), 'unicode name\n');
  await writeFile(join(root, 'script.sh'), '#!/bin/sh\necho hi\n', { mode: 0o750 });
  await chmod(join(root, 'script.sh'), 0o750);
  await symlink('nested/deeper/deepest/leaf.txt', join(root, 'link-to-leaf'));
  await symlink('does-not-exist', join(root, 'dangling-link'));
  await writeFile(join(root, 'long-' + 'n'.repeat(150) + '.txt'), 'long name\n');
  await pipeline(generatedStream(bigFileBytes, 42), createWriteStream(join(root, 'nested/big.bin')));
  await utimes(join(root, 'nested/deeper/deepest/leaf.txt'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
}

describe('end to end: files → local, through the real vya binary', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  let source: string;
  let config: string;

  before(async () => {
    dir = await tempDir('vya-e2e-files-');
    source = join(dir.path, 'data');
    await mkdir(source);
    await buildTree(source, 200 * 1024 * 1024);
    env = { VYA_CONFIG_HOME: join(dir.path, 'config-home'), VYA_STATE_DIR: join(dir.path, 'state'), XDG_DATA_HOME: join(dir.path, 'xdg-data') };
    config = join(dir.path, 'vya.yml');
  });
  after(async () => dir.cleanup());

  it('init writes a config and an identity that work as they are', async () => {
    const result = await runVya(['init', '--config', config, '--path', source, '--repository', join(dir.path, 'repo')], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(await readFile(config, 'utf8')).to.match(/type: files/);
    const identity = await lstat(join(dir.path, 'vya-identity.txt'));
    expect(identity.mode & 0o777).to.equal(0o600);
    const again = await runVya(['init', '--config', config], { env });
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/already exists/);
    expect(again.stderr).to.match(/Hint: pass --force/);
  });

  it('check passes on the starter config', async () => {
    const result = await runVya(['check', '--config', config], { env });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/sink local: write: ok/);
    expect(result.stdout).to.match(/all \d+ checks passed/);
  });

  let snapshot: SnapshotRow;

  it('backup stores one snapshot, listed by snapshots --json', async () => {
    const backup = await runVya(['backup', '--config', config, '--json'], { env });
    expect(backup.code, backup.stderr).to.equal(0);
    const result = parseJson<{ ok: boolean; runs: { outcome: string; units: { status: string }[] }[] }>(backup);
    expect(result.ok).to.equal(true);
    expect(result.runs[0].outcome).to.equal('succeeded');
    const list = await runVya(['snapshots', '--config', config, '--json'], { env });
    const rows = parseJson<SnapshotRow[]>(list);
    expect(rows).to.have.length(1);
    snapshot = rows[0];
    expect(snapshot).to.include({ job: 'files-to-local', source: 'files', sink: 'local' });
    expect(snapshot.raw_bytes).to.be.greaterThan(200 * 1024 * 1024);
    expect(snapshot.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(new Date(snapshot.time).getTime()).to.be.closeTo(Date.now(), 10 * 60_000);
  });

  it('verify re-reads the snapshot fully with the identity; without one it fails unless --sha256-only', async () => {
    const full = await runVya(['verify', snapshot.id, '--config', config, '--identity', join(dir.path, 'vya-identity.txt'), '--json'], { env });
    expect(full.code, full.stderr).to.equal(0);
    expect(parseJson<{ results: { ok: boolean; checked: string }[] }>(full).results[0]).to.include({ ok: true, checked: 'full', note: `sha256, age decryption, zstd decompression ok, ${snapshot.raw_bytes} bytes` });
    const partial = await runVya(['verify', '--all', '--config', config], { env });
    expect(partial.code).to.equal(1);
    expect(partial.stdout).to.match(/FAILED .* sha256 only: no identity for recipients age1/);
    const shaOnly = await runVya(['verify', '--all', '--sha256-only', '--config', config], { env });
    expect(shaOnly.code, shaOnly.stderr).to.equal(0);
    expect(shaOnly.stdout).to.match(/sha256 only \(--sha256-only\): stored bytes match/);
  });

  it('restore recreates the tree byte for byte, with modes, mtimes and symlinks', async () => {
    const target = join(dir.path, 'restored');
    const result = await runVya(['restore', `files-to-local/${snapshot.unit}@latest`, '--to', target, '--config', config, '--identity', join(dir.path, 'vya-identity.txt')], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(await describeTreeOf(target)).to.deep.equal(await describeTreeOf(source));
  });

  it('the standard tools recover the snapshot without vya: age -d | zstd -d | tar -x', async () => {
    const manifests = join(dir.path, 'repo', 'data');
    const stored = execFileSync('find', [manifests, '-type', 'f', '-name', '*.tar.zst.age'], { encoding: 'utf8' }).trim();
    const target = join(dir.path, 'by-hand');
    await mkdir(target);
    execFileSync('sh', ['-c', `age -d -i "$1" "$2" | zstd -d | tar -x -C "$3"`, 'sh', join(dir.path, 'vya-identity.txt'), stored, target]);
    expect(await describeTreeOf(target)).to.deep.equal(await describeTreeOf(source));
  });

  it('restore refuses a non-empty target unless --overwrite', async () => {
    const target = join(dir.path, 'restored');
    const result = await runVya(['restore', snapshot.id, '--to', target, '--config', config, '--identity', join(dir.path, 'vya-identity.txt')], { env });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^Error: target directory .* is not empty/m);
    expect(result.stderr).to.match(/^Hint: /m);
  });

  it('an encrypted snapshot without an identity fails restore with a hint', async () => {
    const result = await runVya(['restore', snapshot.id, '--to', join(dir.path, 'r2'), '--config', config], { env: { ...env, VYA_AGE_IDENTITY: '' } });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/no identity was given/);
    expect(result.stderr).to.match(/Hint: pass --identity FILE/);
  });

  it('a wrong identity fails restore and verify before anything is written', async () => {
    const wrong = join(dir.path, 'wrong-identity.txt');
    execFileSync('age-keygen', ['-o', wrong], { stdio: 'ignore' });
    const target = join(dir.path, 'r3');
    const result = await runVya(['restore', snapshot.id, '--to', target, '--identity', wrong, '--config', config], { env });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/no identity given matches a recipient of snapshot/);
    expect(await lstat(target).then(() => 'exists', () => 'absent')).to.equal('absent');
    const verify = await runVya(['verify', snapshot.id, '--identity', wrong, '--config', config], { env });
    expect(verify.code).to.equal(1);
    expect(verify.stdout).to.match(/FAILED .* no identity given matches/);
  });
});
