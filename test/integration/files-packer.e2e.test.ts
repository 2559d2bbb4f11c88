import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';
import { describeTree } from '../support/describe-tree.js';

const describeTreeOf = (root: string) => describeTree(root, { fileModes: true, times: 'files' });

/**
 * The files source packs with GNU tar when it is installed and with npm tar otherwise
 * (VYA_FILES_PACKER=node-tar forces it). Both must store the same entries from the same
 * awkward tree: names like options, with a backslash, a newline, non-ASCII and 200+
 * characters, links never followed, a hard link, an empty directory, a FIFO skipped, and
 * the include/exclude globs applied.
 */
describe('end to end: the files packers (GNU tar and npm tar) store the same tree', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const env = (packer: string, extra: Record<string, string> = {}) => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_FILES_PACKER: packer, ...extra });
  const tree = () => join(dir.path, 'tree');
  const long = 'l'.repeat(120);

  before(async () => {
    dir = await tempDir('vya-e2e-perf-packer-');
    const root = tree();
    await mkdir(join(root, 'dir', 'sub', 'empty'), { recursive: true });
    await mkdir(join(root, long, long), { recursive: true });
    await mkdir(join(root, 'cache', 'deep'), { recursive: true });
    await writeFile(join(root, 'a.txt'), 'hello\n');
    await writeFile(join(root, 'dir', 'b.bin'), randomBytes(300_000));
    await writeFile(join(root, '-rf'), 'not an option\n');
    await writeFile(join(root, '--files-from=x'), 'not an option either\n');
    await writeFile(join(root, 'back\\slash.txt'), 'b\n');
    await writeFile(join(root, 'new\nline.txt'), 'n\n');
    await writeFile(join(root, 'ünïcode-名前.txt'), 'u\n');
    await writeFile(join(root, long, long, 'deep.txt'), 'deep\n');
    await writeFile(join(root, 'dir', 'skip.tmp'), 'excluded\n');
    await writeFile(join(root, 'cache', 'deep', 'c.txt'), 'excluded dir\n');
    await writeFile(join(root, 'dir', 'private.txt'), 'mode 600\n');
    await chmod(join(root, 'dir', 'private.txt'), 0o600);
    await symlink('dir', join(root, 'to-dir'));
    await symlink('/etc', join(root, 'abs-link'));
    await symlink('missing-target', join(root, 'dangling'));
    await link(join(root, 'a.txt'), join(root, 'dir', 'hard-a.txt'));
    execFileSync('mkfifo', [join(root, 'dir', 'pipe')]);
    config = join(dir.path, 'vya.yml');
    await writeFile(
      config,
      `sources:
  tree: { type: files, paths: [./tree], exclude: ["**/*.tmp", "cache"] }
  only-txt: { type: files, paths: [./tree], include: ["**/*.txt"], exclude: ["cache"] }
sinks:
  repo: { type: local, path: ./repo }
jobs:
  tree: { source: tree, sink: repo }
  only-txt: { source: only-txt, sink: repo }
`,
    );
  });
  after(async () => dir.cleanup());

  async function backupAndRestore(job: string, packer: string, extraEnv: Record<string, string> = {}): Promise<{ restored: Record<string, string>; metadata: Record<string, unknown>; stderr: string }> {
    const backup = await runVya(['backup', job, '--config', config], { env: env(packer, extraEnv), cwd: dir.path });
    expect(backup.code, backup.stdout + backup.stderr).to.equal(0);
    const rows = parseJson<{ id: string; source_metadata?: Record<string, unknown> }[]>(await runVya(['snapshots', '--job', job, '--json', '--config', config], { env: env(packer), cwd: dir.path }));
    const id = rows.map((row) => row.id).sort().at(-1) as string;
    const restored: Record<string, string>[] = [];
    // Each archive restored by both extractors (VYA_FILES_EXTRACTOR): the same tree.
    for (const extractor of ['gnu-tar', 'node-tar']) {
      const target = join(dir.path, `restored-${job}-${packer}-${Object.keys(extraEnv).length}-${extractor}`);
      const restore = await runVya(['restore', id, '--to', target, '--config', config], { env: { ...env(packer), VYA_FILES_EXTRACTOR: extractor }, cwd: dir.path });
      expect(restore.code, restore.stdout + restore.stderr).to.equal(0);
      restored.push(await describeTreeOf(target));
    }
    expect(restored[0], 'restored by GNU tar and by npm tar').to.deep.equal(restored[1]);
    const manifest = await findManifest(id);
    return { restored: restored[0], metadata: manifest.source_metadata as Record<string, unknown>, stderr: backup.stderr };
  }

  async function findManifest(id: string): Promise<Record<string, unknown>> {
    const found = execFileSync('find', [join(dir.path, 'repo', 'snapshots'), '-name', `${id}.json`], { encoding: 'utf8' }).trim();
    return JSON.parse(await readFile(found, 'utf8')) as Record<string, unknown>;
  }

  function expectedTree(original: Record<string, string>, keep: (path: string) => boolean): Record<string, string> {
    return Object.fromEntries(Object.entries(original).filter(([path, kind]) => kind !== 'special' && keep(path)));
  }

  it('GNU tar and npm tar restore to the same tree, excludes applied, the FIFO skipped with a warning', async () => {
    const original = await describeTreeOf(tree());
    const wanted = expectedTree(original, (path) => !path.endsWith('.tmp') && path !== 'cache' && !path.startsWith('cache/'));
    const gnu = await backupAndRestore('tree', 'gnu-tar');
    const node = await backupAndRestore('tree', 'node-tar');
    expect(gnu.restored).to.deep.equal(wanted);
    expect(node.restored).to.deep.equal(wanted);
    for (const run of [gnu, node]) expect(run.stderr).to.match(/skipped FIFO dir\/pipe \(only files, directories and links are backed up\)/);
    expect(gnu.metadata).to.deep.equal(node.metadata);
    expect(gnu.metadata).to.include({ files: 10, skipped_special: 1, warnings: 0 });
  });

  it('include limits the files, never the directories that lead to them, with either packer', async () => {
    const original = await describeTreeOf(tree());
    const wanted = expectedTree(original, (path) => original[path].startsWith('dir') ? !path.startsWith('cache') : path.endsWith('.txt') && !path.startsWith('cache/'));
    const gnu = await backupAndRestore('only-txt', 'gnu-tar');
    const node = await backupAndRestore('only-txt', 'node-tar');
    expect(gnu.restored).to.deep.equal(wanted);
    expect(node.restored).to.deep.equal(wanted);
    expect(gnu.metadata).to.deep.equal(node.metadata);
  });

  it('falls back to npm tar when the tar on PATH is not GNU tar', async () => {
    const bin = join(dir.path, 'fake-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'tar'), '#!/bin/sh\necho "bsdtar 3.6.2 - libarchive 3.6.2"\nexit 0\n', { mode: 0o755 });
    const original = await describeTreeOf(tree());
    const wanted = expectedTree(original, (path) => !path.endsWith('.tmp') && path !== 'cache' && !path.startsWith('cache/'));
    const run = await backupAndRestore('tree', 'auto', { PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(run.restored).to.deep.equal(wanted);
  });

  it('a tar that fails mid-archive fails the unit with its message, and nothing is stored', async () => {
    const bin = join(dir.path, 'failing-tar-bin');
    await mkdir(bin, { recursive: true });
    // Claims to be GNU tar, reads a little of the name list, then fails as tar does (exit 2).
    await writeFile(join(bin, 'tar'), '#!/bin/sh\nif [ "$1" = --version ]; then echo "tar (GNU tar) 1.34"; exit 0; fi\nhead -c 100 > /dev/null\necho "tar: ./dir: Cannot savedir: Input/output error" >&2\nexit 2\n', { mode: 0o755 });
    // More names than a pipe holds, so that vya is still writing them when tar gives up.
    await mkdir(join(tree(), 'bulk'));
    for (let i = 0; i < 3000; i++) await writeFile(join(tree(), 'bulk', `many-${i}-${'n'.repeat(40)}.txt`), '');
    const before = parseJson<unknown[]>(await runVya(['snapshots', '--job', 'tree', '--json', '--config', config], { env: env('auto'), cwd: dir.path })).length;
    const result = await runVya(['backup', 'tree', '--config', config], { env: env('auto', { PATH: `${bin}:${process.env.PATH ?? ''}` }), cwd: dir.path });
    expect(result.code, result.stdout + result.stderr).to.not.equal(0);
    expect(result.stderr).to.match(/tar failed \(exit 2\): \.\/dir: Cannot savedir: Input\/output error/);
    const after = parseJson<unknown[]>(await runVya(['snapshots', '--job', 'tree', '--json', '--config', config], { env: env('auto'), cwd: dir.path })).length;
    expect(after).to.equal(before);
    expect(execFileSync('find', [join(dir.path, 'repo'), '-name', '*partial*'], { encoding: 'utf8' }).trim()).to.equal('');
  });
});
