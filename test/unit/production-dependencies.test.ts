import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { repoRoot } from '../support/cli.js';

const TEST_RUNNERS = ['mocha', 'chai'];

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

describe('the production install: no test runner in it', function () {
  this.timeout(120_000);

  it('the packed CLI declares mocha and chai only as optional peers (for vya/testing)', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { files: { path: string }[] }[];
    expect(packed.files.map((file) => file.path)).to.include('package.json');
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
    for (const name of TEST_RUNNERS) {
      expect(manifest.dependencies ?? {}, `${name} in dependencies`).to.not.have.property(name);
      expect(manifest.peerDependencies ?? {}).to.have.property(name);
      expect(manifest.peerDependenciesMeta?.[name]?.optional, `${name} is an optional peer`).to.equal(true);
    }
  });

  it('the production dependency tree (npm ls --omit=dev) has neither mocha nor chai', () => {
    // npm ls exits 1 for the mongodb driver's optional peer gcp-metadata@7, which only its
    // GCP OIDC login uses, while @google-cloud/storage 8 hoists gcp-metadata@9: the listing is whole anyway.
    const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot, encoding: 'utf8' });
    const problems = listed.stderr.split('\n').filter((line) => /invalid|missing|extraneous/.test(line) && !/invalid: gcp-metadata@/.test(line));
    expect(problems, listed.stderr).to.deep.equal([]);
    const paths = listed.stdout.split('\n').filter(Boolean);
    expect(paths.length, 'npm ls listed the tree').to.be.above(50);
    const runners = paths.filter((path) => TEST_RUNNERS.some((name) => path.endsWith(`/node_modules/${name}`)));
    expect(runners).to.deep.equal([]);
  });

  it('the CLI needs @vya/plugin-api at run time, which needs neither the CLI nor a test runner; @vya/testing is for development only', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson & { devDependencies?: Record<string, string> };
    expect(manifest.dependencies).to.have.property('@vya/plugin-api');
    expect(manifest.dependencies ?? {}).to.not.have.property('@vya/testing');
    expect(manifest.devDependencies).to.have.property('@vya/testing');
    const api = JSON.parse(readFileSync(join(repoRoot, 'packages', 'plugin-api', 'package.json'), 'utf8')) as PackageJson;
    for (const name of ['vya', ...TEST_RUNNERS]) {
      expect(api.dependencies ?? {}, `@vya/plugin-api depends on ${name}`).to.not.have.property(name);
      expect(api.peerDependencies ?? {}, `@vya/plugin-api peer-depends on ${name}`).to.not.have.property(name);
    }
    const testing = JSON.parse(readFileSync(join(repoRoot, 'packages', 'testing', 'package.json'), 'utf8')) as PackageJson;
    for (const name of TEST_RUNNERS) expect(testing.peerDependencies, `@vya/testing peer ${name}`).to.have.property(name);
    const listed = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot, encoding: 'utf8' });
    const paths = listed.stdout.split('\n');
    expect(paths.some((path) => path.endsWith('/node_modules/@vya/plugin-api')), 'plugin-api in the production tree').to.equal(true);
    expect(paths.some((path) => path.endsWith('/node_modules/@vya/testing')), 'testing in the production tree').to.equal(false);
  });

  it('the lockfile marks every copy of mocha and chai as needed for development only', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const copies = Object.entries(lock.packages).filter(([path]) => TEST_RUNNERS.some((name) => path.endsWith(`node_modules/${name}`)));
    expect(copies.length).to.be.above(0);
    for (const [path, entry] of copies) expect(entry.dev, path).to.equal(true);
  });
});
