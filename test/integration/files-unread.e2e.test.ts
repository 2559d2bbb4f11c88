import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

/** Who runs vya: as root every file is readable, so the test drops to `nobody` to be refused. */
function unprivilegedUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A file or directory the backup cannot read (permission denied) is not in the snapshot. The
 * snapshot of everything else is kept, but the unit is reported partial and the run exits 1,
 * naming what was missed: before, the run said "succeeded" and only a warning told.
 */
describe('end to end: entries a files backup cannot read make the unit partial', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  const user = unprivilegedUser();
  // HOME too: oclif looks for user plugins under it, and root's is closed to `nobody`.
  const vya = (args: string[]) => runVya([...args, '--config', config], { env: { VYA_STATE_DIR: join(dir.path, 'state'), HOME: dir.path }, cwd: dir.path, as: user });

  before(async () => {
    dir = await tempDir('vya-e2e-unread-');
    const tree = join(dir.path, 'tree');
    await mkdir(join(tree, 'open'), { recursive: true });
    await writeFile(join(tree, 'open', 'readable.txt'), 'kept\n');
    await writeFile(join(tree, 'secret.txt'), 'not readable by the backup\n');
    await mkdir(join(tree, 'closed'));
    await writeFile(join(tree, 'closed', 'inside.txt'), 'behind a closed directory\n');
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  tree: { type: files, paths: [./tree] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  tree: { source: tree, sink: repo }\n`);
    if (user) for (const path of [dir.path, tree, join(tree, 'open'), join(tree, 'open', 'readable.txt'), config]) await chown(path, user.uid, user.gid);
    // Owned by root (or the runner) and closed to everyone else.
    await chmod(join(tree, 'secret.txt'), 0o000);
    await chmod(join(tree, 'closed'), 0o000);
  });
  after(async () => {
    await chmod(join(dir.path, 'tree', 'closed'), 0o755);
    await dir.cleanup();
  });

  it('keeps the snapshot of what it could read, reports the unit partial and exits 1', async () => {
    const backup = await vya(['backup', 'tree', '--json']);
    expect(backup.code, backup.stderr).to.equal(1);
    const result = parseJson<{ runs: { outcome: string; units: { status: string; snapshotId?: string; error?: string }[] }[] }>(backup);
    const [run] = result.runs;
    expect(run.outcome).to.equal('partial');
    expect(run.units[0].status).to.equal('partial');
    expect(run.units[0].error).to.match(/^2 entries could not be read and are not in the snapshot, or not whole \(first: .*Permission denied\)/);
    expect(run.units[0].snapshotId).to.be.a('string');

    const target = join(dir.path, 'restored');
    const restore = await vya(['restore', run.units[0].snapshotId as string, '--to', target]);
    expect(restore.code, restore.stderr).to.equal(0);
    // Neither the closed file nor the directory tar could not open is in the snapshot.
    expect((await readdir(target)).sort()).to.deep.equal(['open']);
    expect(await readdir(join(target, 'open'))).to.deep.equal(['readable.txt']);
  });

  it('a scheduled run is not retried for them: another attempt would not read them either', async () => {
    const scheduled = join(dir.path, 'scheduled.yml');
    await writeFile(scheduled, `sources:\n  tree: { type: files, paths: [./tree] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  tree: { source: tree, sink: repo, schedule: { cron: "0 2 * * *", retries: 2, retry_delay: 1s } }\n`);
    if (user) await chown(scheduled, user.uid, user.gid);
    const env = { VYA_STATE_DIR: join(dir.path, 'state-scheduled'), HOME: dir.path };
    const backup = await runVya(['backup', 'tree', '--scheduled', '--config', scheduled], { env, cwd: dir.path, as: user });
    expect(backup.code).to.equal(1);
    expect(backup.stderr).to.match(/tree: run partial only for entries its source could not read; not retried/);
    expect(backup.stderr).not.to.match(/retry 1 of 2/);
    const history = parseJson<{ outcome: string; units: { unread?: number }[] }[]>(await runVya(['history', '--json', '--config', scheduled], { env, cwd: dir.path, as: user }));
    expect(history.map((run) => run.outcome)).to.deep.equal(['partial']);
    expect(history[0].units[0].unread).to.equal(2);
  });

  it('a directory deeper than PATH_MAX, which Node cannot list, makes the unit partial too', async () => {
    const deep = join(dir.path, 'deep');
    // 2 200 levels of "d/": a path of 4 400 bytes, past Linux's PATH_MAX of 4 096.
    // Made level by level in a child process that changes into each (bash's cd takes minutes).
    const makeDeep = "const fs = require('fs'); fs.mkdirSync(process.argv[1], { recursive: true }); process.chdir(process.argv[1]); for (let i = 0; i < 2200; i++) { fs.mkdirSync('d'); process.chdir('d'); } fs.writeFileSync('leaf.txt', 'leaf');";
    execFileSync(process.execPath, ['-e', makeDeep, join(deep, 'tree')]);
    const deepConfig = join(deep, 'vya.yml');
    await writeFile(deepConfig, `sources:\n  tree: { type: files, paths: [./tree] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  tree: { source: tree, sink: repo }\n`);
    const backup = await runVya(['backup', 'tree', '--config', deepConfig], { env: { VYA_STATE_DIR: join(deep, 'state') }, cwd: deep });
    expect(backup.code).to.equal(1);
    expect(backup.stdout).to.match(/PARTIAL .*1 entry could not be read .*Cannot read directory: ENAMETOOLONG/);
    execFileSync('rm', ['-rf', deep]);
  });

  it('says so in the text output too', async () => {
    const backup = await vya(['backup', 'tree']);
    expect(backup.code).to.equal(1);
    expect(backup.stdout).to.match(/tree: partial: 1\/1 unit\(s\)/);
    expect(backup.stdout).to.match(/PARTIAL .*2 entries could not be read/);
  });
});
