import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { tempDir, vyaBin } from '../support/cli.js';

/** What a terminal shows after `raw`: carriage returns, erase-to-end-of-line and newlines applied. */
export function screenOf(raw: string): string[] {
  const lines = [''];
  let column = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw.startsWith('\x1b[K', i)) {
      lines[lines.length - 1] = lines[lines.length - 1].slice(0, column);
      i += 2;
    } else if (raw[i] === '\r') column = 0;
    else if (raw[i] === '\n') {
      lines.push('');
      column = 0;
    } else {
      const line = lines[lines.length - 1];
      lines[lines.length - 1] = line.slice(0, column) + raw[i] + line.slice(column + 1);
      column++;
    }
  }
  return lines;
}

describe('terminal output: the progress line and log lines on a TTY', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup: () => Promise<void> };

  before(async () => {
    dir = await tempDir('vya-e2e-tty-');
    await mkdir(join(dir.path, 'data'));
    // Random data does not compress: big enough that the progress line is drawn several times.
    for (let i = 0; i < 12; i++) await appendFile(join(dir.path, 'data', 'big.bin'), randomBytes(16 << 20));
    await writeFile(join(dir.path, 'vya.yml'), 'sources: { data: { type: files, paths: [./data] } }\nsinks: { repo: { type: local, path: ./repo } }\njobs: { files: { source: data, sink: repo } }\n');
  });
  after(async () => dir.cleanup());

  it('clears the progress line before each log line and never cuts its last character (under script, which reports no width)', async () => {
    const command = `${process.execPath} ${vyaBin} backup --config ${join(dir.path, 'vya.yml')}`;
    const { stdout: raw } = await promisify(execFile)('script', ['-qefc', command, '/dev/null'], {
      cwd: dir.path,
      env: { ...process.env, VYA_STATE_DIR: join(dir.path, 'state'), VYA_CONFIG: '' },
      maxBuffer: 64 << 20,
    });
    const drawn = raw.match(/files\/\S+ [\d.]+ [KMGT]?i?B \([\d.]+ [KMGT]?i?B\/s\)?/g) ?? [];
    expect(drawn.length, raw).to.be.greaterThan(1);
    for (const progress of drawn) expect(progress, 'a progress line cut short').to.match(/\)$/);
    const screen = screenOf(raw);
    const stored = screen.filter((line) => / snapshot \S+ stored /.test(line));
    expect(stored, screen.join('\n')).to.have.length(1);
    expect(stored[0]).to.match(/^files\/\S+: snapshot /);
    expect(screen.filter((line) => /\/s\)/.test(line)), 'progress left on screen').to.deep.equal([]);
    expect(screen.some((line) => /^files: succeeded: 1\/1 unit/.test(line))).to.equal(true);
  });
});
