import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { toolMajorVersion } from '../src/tools.js';

/** A fake pg_dump that logs each call, answering with `version` or failing when it is empty. */
async function fakeTool(dir: string, version: string): Promise<void> {
  const script = version ? `echo "pg_dump (PostgreSQL) ${version}"` : 'echo "broken" >&2; exit 1';
  await writeFile(join(dir, 'pg_dump'), `#!/bin/sh\necho call >> "${join(dir, 'calls')}"\n${script}\n`);
  await chmod(join(dir, 'pg_dump'), 0o755);
}

const calls = async (dir: string) => (await readFile(join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

describe('postgres tools: the dump tool version is read once per minute, not once per database', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vya-perf-pgtool-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('runs `pg_dump --version` once for many units of a run', async () => {
    await fakeTool(dir, '16.4');
    const results = await Promise.all(Array.from({ length: 20 }, () => toolMajorVersion('pg_dump', dir)));
    expect(results.every((r) => r.version === '16.4' && r.major === 16)).to.equal(true);
    expect(await toolMajorVersion('pg_dump', dir)).to.deep.equal({ version: '16.4', major: 16 });
    expect(await calls(dir)).to.equal(1);
  });

  it('does not keep a failure: the next unit asks the tool again', async () => {
    await fakeTool(dir, '');
    let failure: unknown;
    await toolMajorVersion('pg_dump', dir).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/pg_dump|broken|exit/);
    await fakeTool(dir, '15.2');
    expect(await toolMajorVersion('pg_dump', dir)).to.deep.equal({ version: '15.2', major: 15 });
    expect(await calls(dir)).to.equal(2);
  });
});
