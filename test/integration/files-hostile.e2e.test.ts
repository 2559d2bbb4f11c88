import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import * as tar from 'tar';
import { generatedStream } from '@vya/testing';
import { parseJson, runVya, tempDir } from '../support/cli.js';
import { describeTree } from '../support/describe-tree.js';

interface Manifest {
  id: string;
  data_key: string;
  sha256: string;
  stored_bytes: number;
  raw_bytes: number;
  source_metadata: Record<string, unknown>;
}

/** A tar archive written header by header, so it can hold what vya would never produce. */
function craftTar(entries: { path: string; type: 'File' | 'SymbolicLink' | 'Directory'; linkpath?: string; body?: string }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = new tar.Header({ path: entry.path, type: entry.type, linkpath: entry.linkpath, size: body.length, mode: entry.type === 'File' ? 0o644 : 0o755, mtime: new Date(), uid: 0, gid: 0 });
    const block = Buffer.alloc(512);
    header.encode(block);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe('end to end: hostile and real-world file trees (files source)', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  let config: string;
  const repo = () => join(dir.path, 'repo');
  const unitOf = (name: string) => join(dir.path, name).replace(/^\/+/, '');

  before(async () => {
    dir = await tempDir('vya-e2e-files-hostile-');
    env = { VYA_STATE_DIR: join(dir.path, 'state') };
    config = join(dir.path, 'vya.yml');
    for (const name of ['links', 'special', 'plain', 'big', 'damaged']) await mkdir(join(dir.path, name));
    await writeFile(
      config,
      `sources:
  links: { type: files, paths: [./links] }
  special: { type: files, paths: [./special] }
  plain: { type: files, paths: [./plain] }
  big: { type: files, paths: [./big] }
  damaged: { type: files, paths: [./damaged] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  links: { source: links, sink: repo }
  special: { source: special, sink: repo }
  plain: { source: plain, sink: repo, compression: { algorithm: none } }
  big: { source: big, sink: repo }
  damaged: { source: damaged, sink: repo }
`,
    );
  });
  after(async () => dir.cleanup());

  async function latestManifest(job: string): Promise<{ path: string; manifest: Manifest }> {
    const rows = parseJson<{ id: string }[]>(await runVya(['snapshots', '--job', job, '--json', '--config', config], { env }));
    expect(rows.length, `snapshots of ${job}`).to.be.greaterThan(0);
    const id = rows.map((row) => row.id).sort().at(-1) as string;
    const manifests = join(repo(), 'snapshots', job);
    const [unitDir] = await readdir(manifests);
    const path = join(manifests, unitDir, `${id}.json`);
    return { path, manifest: JSON.parse(await readFile(path, 'utf8')) as Manifest };
  }

  async function backup(job: string): Promise<void> {
    const result = await runVya(['backup', job, '--config', config], { env, timeoutMs: 120_000 });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
  }

  it('restores absolute, ../ and directory symlinks exactly as they were (the links, never followed)', async () => {
    const source = join(dir.path, 'links');
    await mkdir(join(source, 'sub/deeper'), { recursive: true });
    await writeFile(join(source, 'sub/deeper/file.txt'), 'inside\n');
    await symlink('/usr/share/zoneinfo/UTC', join(source, 'localtime'));
    await symlink('../releases/42', join(source, 'current'));
    await symlink('sub', join(source, 'link-to-dir'));
    await symlink('../../../outside/x', join(source, 'sub/deeper/up'));
    await symlink('/etc', join(source, 'etc-link'));
    await link(join(source, 'sub/deeper/file.txt'), join(source, 'hard.txt'));
    await backup('links');
    const target = join(dir.path, 'links-restored');
    const restore = await runVya(['restore', `links/${unitOf('links')}@latest`, '--to', target, '--config', config], { env });
    expect(restore.code, restore.stderr).to.equal(0);
    expect(restore.stderr).not.to.match(/TAR_ENTRY/);
    expect(await describeTree(target)).to.deep.equal(await describeTree(source));
    expect(await readlink(join(target, 'localtime'))).to.equal('/usr/share/zoneinfo/UTC');
    expect(await readlink(join(target, 'current'))).to.equal('../releases/42');
    expect((await readdir(target)).filter((name) => name.startsWith('.vya-restore-'))).to.deep.equal([]);
    expect((await lstat(join(target, 'hard.txt'))).ino).to.equal((await lstat(join(target, 'sub/deeper/file.txt'))).ino);
  });

  it("--overwrite replaces a link in the target by the snapshot's directory, never writing through it", async () => {
    const victim = join(dir.path, 'overwrite-victim');
    await mkdir(victim);
    const target = join(dir.path, 'links-overwrite');
    await mkdir(target);
    await symlink(victim, join(target, 'sub'));
    await writeFile(join(target, 'localtime'), 'a file where the snapshot has a link\n');
    await writeFile(join(target, 'unrelated.txt'), 'kept\n');
    const restore = await runVya(['restore', `links/${unitOf('links')}@latest`, '--to', target, '--overwrite', '--config', config], { env });
    expect(restore.code, restore.stderr).to.equal(0);
    expect(await readdir(victim)).to.deep.equal([]);
    expect((await lstat(join(target, 'sub'))).isDirectory()).to.equal(true);
    expect(await readlink(join(target, 'localtime'))).to.equal('/usr/share/zoneinfo/UTC');
    expect(await readFile(join(target, 'unrelated.txt'), 'utf8')).to.equal('kept\n');
    expect(await readFile(join(target, 'sub/deeper/file.txt'), 'utf8')).to.equal('inside\n');
  });

  it('--overwrite refuses to replace a directory by a file, before anything is moved', async () => {
    const target = join(dir.path, 'links-dir-conflict');
    await mkdir(join(target, 'hard.txt'), { recursive: true });
    await writeFile(join(target, 'localtime'), 'untouched\n');
    const restore = await runVya(['restore', `links/${unitOf('links')}@latest`, '--to', target, '--overwrite', '--config', config], { env });
    expect(restore.code).to.equal(2);
    expect(restore.stderr).to.match(/^Error: 1 entry already in .*links-dir-conflict: hard\.txt$/m);
    expect(await readFile(join(target, 'localtime'), 'utf8')).to.equal('untouched\n');
    expect((await readdir(target)).sort()).to.deep.equal(['hard.txt', 'localtime']);
  });

  async function plantArchive(job: string, archive: Buffer): Promise<void> {
    const { path, manifest } = await latestManifest(job);
    await writeFile(join(repo(), manifest.data_key), archive);
    const sha256 = createHash('sha256').update(archive).digest('hex');
    await writeFile(path, JSON.stringify({ ...manifest, sha256, stored_bytes: archive.length, raw_bytes: archive.length }, null, 2));
  }

  // GNU tar extracts when installed, npm tar otherwise: both must refuse the same archives.
  for (const extractor of ['gnu-tar', 'node-tar']) {
    async function restorePlanted(job: string, target: string) {
      return runVya(['restore', `${job}/${unitOf(job)}@latest`, '--to', target, '--config', config], { env: { ...env, VYA_FILES_EXTRACTOR: extractor } });
    }

    it(`refuses a planted archive that writes through its own symlink, and writes nothing outside the target (${extractor})`, async () => {
      await writeFile(join(dir.path, 'plain', 'a.txt'), 'plain\n');
      await backup('plain');
      const victim = join(dir.path, `victim-${extractor}`);
      await mkdir(victim);
      const target = join(dir.path, `hostile-1-${extractor}`);
      await plantArchive('plain', craftTar([{ path: 'a', type: 'SymbolicLink', linkpath: victim }, { path: 'a/passwd', type: 'File', body: 'pwned\n' }]));
      const result = await restorePlanted('plain', target);
      expect(result.code, result.stdout).to.not.equal(0);
      expect(result.stderr).to.match(/^Error: snapshot .* holds an unsafe entry "a"/m);
      expect(result.stderr).not.to.match(/TAR_/);
      expect(await readdir(victim)).to.deep.equal([]);
      expect(await readdir(target)).to.deep.equal([]);

      await plantArchive('plain', craftTar([{ path: 'b', type: 'SymbolicLink', linkpath: victim }, { path: 'b/c', type: 'SymbolicLink', linkpath: 'x' }]));
      const through = await restorePlanted('plain', join(dir.path, `hostile-2-${extractor}`));
      expect(through.code).to.not.equal(0);
      expect(through.stderr).to.match(/unsafe entry "b\/c": it would be created through another link/);
      expect(await readdir(victim)).to.deep.equal([]);
    });

    it(`refuses ../ and absolute entries in a planted archive, leaving the target empty (${extractor})`, async () => {
      const target = join(dir.path, `hostile-3-${extractor}`, 'inner');
      await plantArchive('plain', craftTar([{ path: 'ok.txt', type: 'File', body: 'ok\n' }, { path: '../escaped.txt', type: 'File', body: 'out\n' }, { path: '/abs-escaped.txt', type: 'File', body: 'abs\n' }]));
      const result = await restorePlanted('plain', target);
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.match(/unsafe entry "\.\.\/escaped\.txt"/);
      expect(result.stderr).to.match(/^Hint: nothing was restored/m);
      expect(await readdir(join(dir.path, `hostile-3-${extractor}`))).to.deep.equal(['inner']);
      expect(await readdir(target)).to.deep.equal([]);
    });
  }

  describe('a tree with a FIFO, a unix socket and a device node', () => {
    let server: Server;

    before(async () => {
      const source = join(dir.path, 'special');
      await writeFile(join(source, 'regular.txt'), 'regular\n');
      execFileSync('mkfifo', [join(source, 'fifo')]);
      execFileSync('mknod', [join(source, 'null'), 'c', '1', '3']);
      server = createServer();
      await new Promise<void>((resolve) => server.listen(join(source, 'socket'), resolve));
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('backs up, skipping each with a warning that names it, counted in the metadata', async () => {
      const result = await runVya(['backup', 'special', '--config', config], { env, timeoutMs: 60_000 });
      expect(result.code, result.stdout + result.stderr).to.equal(0);
      expect(result.stderr).to.match(/skipped FIFO fifo/);
      expect(result.stderr).to.match(/skipped socket socket/);
      expect(result.stderr).to.match(/skipped character device null/);
      expect((await latestManifest('special')).manifest.source_metadata).to.include({ skipped_special: 3, files: 1 });
      const target = join(dir.path, 'special-restored');
      const restore = await runVya(['restore', `special/${unitOf('special')}@latest`, '--to', target, '--config', config], { env });
      expect(restore.code, restore.stderr).to.equal(0);
      expect(await readdir(target)).to.deep.equal(['regular.txt']);
    });

    it('the daemon keeps backing it up, tick after tick', async () => {
      const daemonConfig = join(dir.path, 'daemon.yml');
      await writeFile(daemonConfig, `sources:\n  special: { type: files, paths: [./special] }\nsinks:\n  repo: { type: local, path: ./daemon-repo }\njobs:\n  special:\n    source: special\n    sink: repo\n    schedule: { cron: "* * * * * *" }\n`);
      // Stopped once three runs have stored a snapshot; killed (and failing) if they never do.
      const stored = (stderr: string) => stderr.match(/special\/.*: snapshot \S+ stored/g)?.length ?? 0;
      let signalled = false;
      const once = (stderr: string) => !signalled && (signalled = stored(stderr) >= 3);
      const daemon = await runVya(['daemon', '--config', daemonConfig], { env, kill: { signal: 'SIGTERM', when: once }, timeoutMs: 60_000 });
      expect(daemon.code, daemon.stderr).to.equal(0);
      expect(stored(daemon.stderr)).to.be.at.least(3);
      expect(daemon.stderr).to.match(/skipped FIFO fifo/);
      const rows = parseJson<unknown[]>(await runVya(['snapshots', '--job', 'special', '--json', '--config', daemonConfig], { env }));
      expect(rows.length).to.be.at.least(3);
    });
  });

  describe('a damaged unencrypted snapshot restored with --overwrite', () => {
    let target: string;
    let before: Record<string, string>;

    beforeEach(async () => {
      target = join(dir.path, `damaged-target-${Math.random().toString(36).slice(2)}`);
      await mkdir(target);
      for (let i = 0; i < 8; i++) await writeFile(join(target, `file-${i}.bin`), `the original ${i}\n`);
      before = await describeTree(target);
    });

    it('leaves the target untouched when the object is damaged mid-stream (zstd frame)', async () => {
      const source = join(dir.path, 'damaged');
      for (let i = 0; i < 8; i++) await pipeline(generatedStream(1024 * 1024, i + 1), createWriteStream(join(source, `file-${i}.bin`)));
      await backup('damaged');
      const { manifest } = await latestManifest('damaged');
      const object = await readFile(join(repo(), manifest.data_key));
      for (let at = Math.floor(object.length * 0.6); at < object.length * 0.6 + 64; at++) object[at] ^= 0xff;
      await writeFile(join(repo(), `${manifest.data_key}`), object);
      const result = await runVya(['restore', `damaged/${unitOf('damaged')}@latest`, '--to', target, '--overwrite', '--config', config], { env });
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.match(/^Hint: .*nothing was changed in/m);
      expect(await describeTree(target)).to.deep.equal(before);
    });

    it('leaves the target untouched when only the sha256 does not match the manifest', async () => {
      await backup('damaged');
      const { path, manifest } = await latestManifest('damaged');
      // The stored object is intact; only the manifest's checksum disagrees.
      await writeFile(path, JSON.stringify({ ...manifest, sha256: createHash('sha256').update('something else').digest('hex') }, null, 2));
      const result = await runVya(['restore', `damaged/${unitOf('damaged')}@latest`, '--to', target, '--overwrite', '--config', config], { env });
      expect(result.code).to.not.equal(0);
      expect(await describeTree(target)).to.deep.equal(before);
    });
  });

  it('restore --dry-run of a ~50 MB tree lists what it would write, finishes, and changes nothing', async () => {
    const source = join(dir.path, 'big');
    await mkdir(join(source, 'nested'));
    for (let i = 0; i < 5; i++) await pipeline(generatedStream(10 * 1024 * 1024, 100 + i), createWriteStream(join(source, 'nested', `part-${i}.bin`)));
    await symlink('nested/part-0.bin', join(source, 'first'));
    await backup('big');
    const target = join(dir.path, 'big-dry-run');
    const result = await runVya(['restore', `big/${unitOf('big')}@latest`, '--to', target, '--dry-run', '--config', config], { env, timeoutMs: 90_000 });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/would restore .*: 5 file\(s\), 50\.0 MiB, 1 directories, 1 link\(s\) into .*big-dry-run \(would be created\)/);
    expect(result.stdout).to.match(/^ {2}nested\/part-4\.bin$/m);
    expect(result.stdout).to.match(/^ {2}first -> nested\/part-0\.bin$/m);
    await expectMissing(target);
  });

  it('--to /dev/null is one clear line with a hint', async () => {
    const result = await runVya(['restore', `links/${unitOf('links')}@latest`, '--to', '/dev/null', '--config', config], { env });
    expect(result.code).to.equal(2);
    expect(result.stderr.trim().split('\n')).to.deep.equal(['Error: --to /dev/null is not a directory', 'Hint: file snapshots restore into a directory: pass --to DIR (it is created when missing)']);
  });
});

async function expectMissing(path: string): Promise<void> {
  const error = await lstat(path).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );
  expect(error?.code, `${path} should not exist`).to.equal('ENOENT');
}
