import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { expect } from 'chai';
import { vyaBin } from '../support/cli.js';

/** A Node.js older than 22.15 on this machine (Debian's own `node` is 20 here), if any. */
function olderNode(): { path: string; version: string } | undefined {
  const candidates = ['/usr/bin/node', ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'node'))];
  for (const path of candidates.filter((candidate) => existsSync(candidate))) {
    const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
    const [major, minor] = version.slice(1).split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 15)) return { path, version };
  }
  return undefined;
}

describe('end to end: the Node.js version', () => {
  it('an older Node.js gets one line naming the version vya needs, not a link error', function () {
    const old = olderNode();
    // Counted as pending, not passed, on a machine without one.
    if (!old) this.skip();
    const result = spawnSync(old.path, [vyaBin, '--version'], { encoding: 'utf8' });
    expect(result.status).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr.trim().split('\n')).to.deep.equal([`Error: vya needs Node.js 22.15 or later; this is ${old.version}`, 'Hint: install a current Node.js LTS (22 or 24) and run vya with it']);
  });
});
