import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { runVya, tempDir } from '../support/cli.js';
import { linkDevDependencies, runNode } from '../support/scaffolded-plugin.js';

describe('end to end: `vya plugins new`', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup: () => Promise<void> };

  before(async () => {
    dir = await tempDir('vya-e2e-plugins-new-');
  });
  after(async () => dir.cleanup());

  for (const [kind, suite, passing] of [['source', 'source conformance', 4], ['notifier', 'notifier conformance', 4], ['secret-store', 'secret store conformance', 8]] as const) {
    it(`a ${kind} package builds and passes its suite as generated, under its own mocha`, async () => {
      const pkg = join(dir.path, `vya-plugin-my-${kind}`);
      const generated = await runVya(['plugins', 'new', kind, `my-${kind}`], { cwd: dir.path });
      expect(generated.code, generated.stderr).to.equal(0);
      expect(generated.stdout).to.include(`wrote vya-plugin-my-${kind} (${kind}) in ${pkg}`);
      await linkDevDependencies(pkg);
      const build = await runNode(pkg, [join(pkg, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
      expect(build.code, build.output).to.equal(0);
      const test = await runNode(pkg, [join(pkg, 'node_modules', 'mocha', 'bin', 'mocha.js')]);
      expect(test.code, test.output).to.equal(0);
      expect(test.output).to.include(`${suite}: my-${kind}`);
      expect(test.output).to.match(new RegExp(`\\b${passing} passing`));
    });
  }

  it('refuses hostile names in one line with a hint, writing nothing', async () => {
    const cwd = join(dir.path, 'hostile');
    await mkdir(cwd);
    const cases: [string[], RegExp][] = [
      [['--', '--x'], /invalid plugin name "--x": it looks like an option/],
      [['../evil'], /invalid plugin name "\.\.\/evil": it looks like a path \(choose the directory with --dir\)/],
      [['my sink'], /invalid plugin name "my sink": it contains whitespace/],
      [['Ftp'], /invalid plugin name "Ftp": it contains capital letters/],
      [['a'.repeat(41)], /invalid plugin name "a{41}": it is longer than 40 characters/],
      [['ftp--x'], /invalid plugin name "ftp--x": it contains characters other than a-z, 0-9 and single dashes/],
    ];
    for (const [name, message] of cases) {
      const result = await runVya(['plugins', 'new', 'sink', ...name], { cwd });
      expect(result.code, name.join(' ')).to.equal(2);
      expect(result.stderr).to.match(new RegExp(`^Error: ${message.source}`, 'm'));
      expect(result.stderr).to.match(/^Hint: a name is lowercase letters, digits and single dashes/m);
    }
    const unknownKind = await runVya(['plugins', 'new', 'backend', 'ftp'], { cwd });
    expect(unknownKind.code).to.equal(2);
    expect(unknownKind.stderr).to.match(/sink, source, notifier, secret-store/);
    expect(await readdir(cwd)).to.deep.equal([]);
  });

  it('never writes into a non-empty directory', async () => {
    const taken = join(dir.path, 'taken');
    await mkdir(taken);
    await writeFile(join(taken, 'keep.txt'), 'mine');
    const result = await runVya(['plugins', 'new', 'sink', 'ftp', '--dir', taken]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^Error: .*taken is not empty$/m);
    expect(await readdir(taken)).to.deep.equal(['keep.txt']);
    const underAFile = await runVya(['plugins', 'new', 'sink', 'ftp', '--dir', join(taken, 'keep.txt', 'pkg')]);
    expect(underAFile.code).to.equal(1);
    expect(underAFile.stderr).to.match(/^Error: cannot create the plugin package in .*keep\.txt: ENOTDIR/m);
    expect(await readdir(taken)).to.deep.equal(['keep.txt']);
  });
});
