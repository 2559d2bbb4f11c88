import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { DurableFileWriter, WRITEBACK_EVERY, type WritableFile } from '../src/durable-file-writer.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A real open file, with every call the writer makes recorded in order. */
function recorded(handle: FileHandle, calls: string[], change: Partial<WritableFile> = {}): WritableFile {
  return {
    writev: (buffers) => (calls.push('write'), change.writev ? change.writev(buffers) : handle.writev(buffers)),
    datasync: () => (calls.push('datasync'), change.datasync ? change.datasync() : handle.datasync()),
    sync: () => (calls.push('sync'), handle.sync()),
  };
}

/** `data` in pieces of `piece` bytes. */
function pieces(data: Buffer, piece: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += piece) parts.push(data.subarray(at, at + piece));
  return Readable.from(parts);
}

describe('local sink: DurableFileWriter', function () {
  this.timeout(60_000);
  let dir: string;
  let handle: FileHandle;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vya-durable-'));
    path = join(dir, 'object');
    handle = await open(path, 'wx', 0o600);
  });
  afterEach(async () => {
    await handle.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every byte in order, writes back in the background every 32 MiB, and finishes only after fsync', async () => {
    const data = randomBytes(3 * WRITEBACK_EVERY + 5_000_000);
    const calls: string[] = [];
    const writer = new DurableFileWriter(recorded(handle, calls));
    writer.on('finish', () => calls.push('finish'));
    await pipeline(pieces(data, 64 * 1024), writer);
    await handle.close();
    expect(sha256(await readFile(path))).to.equal(sha256(data));
    const writebacks = calls.filter((call) => call === 'datasync').length;
    expect(writebacks).to.be.within(1, 3);
    expect(calls.slice(-2)).to.deep.equal(['sync', 'finish']);
    expect(calls.indexOf('datasync')).to.be.above(calls.indexOf('write'));
  });

  it('an object smaller than 32 MiB gets one fsync and no background writeback', async () => {
    const data = randomBytes(1_000_000);
    const calls: string[] = [];
    await pipeline(pieces(data, 4096), new DurableFileWriter(recorded(handle, calls)));
    expect(calls.filter((call) => call !== 'write')).to.deep.equal(['sync']);
    expect(sha256(await readFile(path))).to.equal(sha256(data));
  });

  it('takes many more tiny chunks than one writev can carry (IOV_MAX) while a write is under way', async () => {
    const data = randomBytes(400_000);
    let most = 0;
    const counting = async (buffers: Buffer[]) => ((most = Math.max(most, buffers.length)), handle.writev(buffers));
    await pipeline(pieces(data, 10), new DurableFileWriter(recorded(handle, [], { writev: counting })));
    expect(sha256(await readFile(path))).to.equal(sha256(data));
    expect(most).to.be.above(1024);
  });

  it('goes on after a short write with the bytes the file did not take', async () => {
    const data = randomBytes(300_000);
    const calls: string[] = [];
    // Takes at most 1 000 bytes of the first buffer per call, as a write(2) may.
    const short = async (buffers: Buffer[]) => handle.write(buffers[0], 0, Math.min(1000, buffers[0].length));
    await pipeline(pieces(data, 7000), new DurableFileWriter(recorded(handle, calls, { writev: short })));
    expect(sha256(await readFile(path))).to.equal(sha256(data));
  });

  it('a background writeback that fails fails the stream with its error, and the object is never fsynced as complete', async () => {
    const calls: string[] = [];
    const failing = async () => {
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    };
    const error = await pipeline(pieces(randomBytes(WRITEBACK_EVERY + 2_000_000), 64 * 1024), new DurableFileWriter(recorded(handle, calls, { datasync: failing }))).then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(error?.code).to.equal('EIO');
    expect(calls).to.include('datasync');
    expect(calls).to.not.include('sync');
  });

  it('a file that takes no bytes at all fails the stream instead of trying for ever', async () => {
    const calls: string[] = [];
    const stuck = async () => ({ bytesWritten: 0 });
    const error = await pipeline(pieces(Buffer.from('some bytes'), 4), new DurableFileWriter(recorded(handle, calls, { writev: stuck }))).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/took none of the bytes/);
  });
});
