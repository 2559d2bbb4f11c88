import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { feedChild, isVyaError, relevantLines, spawnStreaming } from '@vya/plugin-api';
import { generatedStream } from '@vya/testing';
import { tempDir } from '../support/cli.js';

describe('feeding a child process (restore tools)', function () {
  this.timeout(30_000);

  it('a child that fails early: its stderr is the error, never EPIPE', async () => {
    const child = spawnStreaming('sh', ['-c', 'head -c 1000 >/dev/null; echo "pg_restore: error: could not execute query: ERROR:  relation \\"orders\\" already exists" >&2; echo "Command was: CREATE TABLE orders" >&2; exit 1'], { label: 'restore' });
    const error = await feedChild(child, generatedStream(50 * 1024 * 1024)).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.equal('restore failed: pg_restore: error: could not execute query: ERROR: relation "orders" already exists');
  });

  it('a child that stops reading and exits 0 (pg_restore --list) resolves', async () => {
    const child = spawnStreaming('sh', ['-c', 'head -c 1000 >/dev/null; echo listed'], { label: 'list' });
    child.stdout.resume();
    await feedChild(child, generatedStream(50 * 1024 * 1024));
  });

  it('input that errors kills the child before its stdin closes, so it never takes the cut for the end', async () => {
    const dir = await tempDir();
    try {
      const marker = join(dir.path, 'committed');
      const child = spawnStreaming('sh', ['-c', 'cat >/dev/null && touch "$0"', marker], { label: 'load' });
      const data = new PassThrough();
      data.write(Buffer.alloc(100_000));
      setTimeout(() => data.destroy(new Error('snapshot x: stored object does not match its manifest')), 100);
      const error = await feedChild(child, data).then(() => undefined, (e: unknown) => e);
      expect((error as Error).message).to.match(/does not match its manifest/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(existsSync(marker)).to.equal(false);
    } finally {
      await dir.cleanup();
    }
  });

  it('relevantLines picks the ERROR/FATAL lines, else the last three', () => {
    expect(relevantLines('ERROR 1050 (42S01) at line 12: Table \'t\' already exists\n')).to.equal("ERROR 1050 (42S01) at line 12: Table 't' already exists");
    expect(relevantLines('one\ntwo\nthree\nfour\n')).to.equal('two; three; four');
    expect(relevantLines('psql: FATAL: role "x" does not exist\nsomething else\n')).to.equal('psql: FATAL: role "x" does not exist');
  });
});

describe('dump tools run with a 1 MiB stdout buffer (bufferStdout)', function () {
  this.timeout(30_000);

  const output = async (command: string, args: string[], bufferStdout: boolean) => {
    const child = spawnStreaming(command, args, { label: command, bufferStdout });
    child.stdin.end();
    const chunks: Buffer[] = [];
    for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
    await child.exited;
    return Buffer.concat(chunks).toString();
  };

  it('runs the tool under stdbuf -o1M, its output unchanged', async () => {
    expect(await output('sh', ['-c', 'echo "[$_STDBUF_O]"'], true)).to.equal('[1048576]\n');
    expect(await output('sh', ['-c', 'echo "[$_STDBUF_O]"'], false)).to.equal('[]\n');
    const expected = await output('seq', ['200000'], false);
    expect(expected.length).to.be.above(1_000_000);
    expect(await output('seq', ['200000'], true)).to.equal(expected);
  });

  it('a tool that is not there is still reported missing by its own name, not as stdbuf\'s failure', async () => {
    const child = spawnStreaming('/nonexistent/pg_dump', [], { label: 'pg_dump of database shop', bufferStdout: true });
    child.stdin.end();
    child.stdout.resume();
    const error = await child.exited.then(() => undefined, (e: unknown) => e);
    expect(isVyaError(error) && error.code).to.equal('TOOL_MISSING');
    expect((error as Error).message).to.equal('pg_dump of database shop: /nonexistent/pg_dump not found');
  });
});
