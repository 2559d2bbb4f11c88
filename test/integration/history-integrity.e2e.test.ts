import { execFileSync } from 'node:child_process';
import { open, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from '../support/cli.js';

/** A heartbeat record whose line (with its newline) is exactly `length` bytes. */
function heartbeatLine(length: number): string {
  const empty = JSON.stringify({ kind: 'heartbeat', at: '2026-01-01T00:00:00.000Z', host: '', pid: 1 });
  return JSON.stringify({ kind: 'heartbeat', at: '2026-01-01T00:00:00.000Z', host: 'h'.repeat(length - empty.length - 1), pid: 1 }) + '\n';
}

/** Writes zeros into `path` until the filesystem is full. */
async function fillUp(path: string): Promise<void> {
  const file = await open(path, 'w');
  const block = Buffer.alloc(4096);
  try {
    for (;;) await file.write(block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close();
  }
}

describe('end to end: the run history on a full disk and after a torn write', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let config: string;
  let state: string;
  let mounted = false;

  beforeEach(async () => {
    dir = await tempDir('vya-e2e-history-');
    state = join(dir.path, 'state');
    await mkdir(state);
    await mkdir(join(dir.path, 'data'));
    await writeFile(join(dir.path, 'data', 'a.txt'), 'a\n');
    config = join(dir.path, 'vya.yml');
    await writeFile(config, `sources:\n  data: { type: files, paths: [${join(dir.path, 'data')}] }\nsinks:\n  repo: { type: local, path: ./repo }\njobs:\n  files: { source: data, sink: repo }\n`);
  });
  afterEach(async () => {
    if (mounted) execFileSync('umount', [state]);
    mounted = false;
    await dir.cleanup();
  });

  it('a full state filesystem: the short write is detected, rolled back and reported', async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', state]);
    mounted = true;
    // The last page of history.jsonl has 10 bytes free: the next record can only be written short.
    const existing = heartbeatLine(4086);
    await writeFile(join(state, 'history.jsonl'), existing);
    await fillUp(join(state, 'filler'));
    const backup = await runVya(['backup', '--config', config], { env: { VYA_STATE_DIR: state } });
    expect(backup.stderr).to.match(/could not append to the history .*history\.jsonl: no space left on the device \(the record was not written\)/);
    expect(await readFile(join(state, 'history.jsonl'), 'utf8')).to.equal(existing);
  });

  it('a torn last line is cut off, with a warning, before the next record is appended', async () => {
    const whole = heartbeatLine(200);
    await writeFile(join(state, 'history.jsonl'), `${whole}{"kind":"run","run":{"job":"fi`);
    const backup = await runVya(['backup', '--config', config], { env: { VYA_STATE_DIR: state } });
    expect(backup.code, backup.stderr).to.equal(0);
    expect(backup.stderr).to.match(/history .*history\.jsonl ended in a torn line \(30 bytes, from an interrupted write\): removed it/);
    const text = await readFile(join(state, 'history.jsonl'), 'utf8');
    expect(text.startsWith(whole)).to.equal(true);
    expect(text.endsWith('\n')).to.equal(true);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line), line).to.not.throw();
    const history = parseJson<{ job: string; outcome: string }[]>(await runVya(['history', '--json', '--config', config], { env: { VYA_STATE_DIR: state } }));
    expect(history.map((run) => `${run.job} ${run.outcome}`)).to.deep.equal(['files succeeded']);
  });
});
