import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, VyaError, type DrillSummary, type Logger, type RunOutcome, type RunSummary } from '@vya/plugin-api';

export interface NotificationOutcome {
  name: string;
  ok: boolean;
  error?: string;
}

/** One line of history.jsonl: a run, or a daemon heartbeat. */
export type HistoryRecord =
  | { kind: 'run'; run: RunSummary; notifications: NotificationOutcome[] }
  | { kind: 'drill'; drill: DrillSummary; notifications: NotificationOutcome[] }
  | { kind: 'heartbeat'; at: string; host: string; pid: number };

export interface HistoryFilter {
  job?: string[];
  since?: Date;
  status?: RunOutcome[];
}

/**
 * Every run, as append-only JSON lines under the state directory, each line written whole and
 * fsynced. A short write (a full disk) is detected, rolled back and reported; a torn last line
 * left by a crash mid-append is cut off, with a warning, before the next append.
 */
export class HistoryStore {
  readonly path: string;

  constructor(
    stateDir: string,
    private readonly logger?: Logger,
  ) {
    this.path = join(stateDir, 'history.jsonl');
  }

  async append(record: HistoryRecord): Promise<void> {
    await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const file = await open(this.path, 'a+', 0o600);
    try {
      const size = await this.repairTornTail(file);
      try {
        await writeWhole(file, Buffer.from(JSON.stringify(record) + '\n'));
        await file.sync();
      } catch (error) {
        // Leave no half line behind: the next reader and the next append see whole records.
        await file.truncate(size).catch(() => {});
        throw new VyaError(`could not append to the history ${this.path}: ${reasonOf(error)}`, { code: 'HISTORY_WRITE_FAILED', hint: 'free space on the filesystem of the state directory (VYA_STATE_DIR)' });
      }
    } finally {
      await file.close();
    }
  }

  /** Cuts a last line without its newline back to the end of the last whole line; returns the size. */
  private async repairTornTail(file: FileHandle): Promise<number> {
    const size = (await file.stat()).size;
    const keep = await lastLineEnd(file, size);
    if (keep === size) return size;
    await file.truncate(keep);
    this.logger?.warn(`history ${this.path} ended in a torn line (${size - keep} bytes, from an interrupted write): removed it`);
    return keep;
  }

  async records(): Promise<HistoryRecord[]> {
    const text = await readFile(this.path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const records: HistoryRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as HistoryRecord);
      } catch {
        // A torn line from a crash mid-append: skip it, keep the rest.
      }
    }
    return records;
  }

  /** Restore drills, oldest first. */
  async drills(jobs?: string[]): Promise<DrillSummary[]> {
    return drillsOf(await this.records(), jobs);
  }

  /** Runs matching the filter, oldest first. */
  async query(filter: HistoryFilter = {}): Promise<(RunSummary & { notifications: NotificationOutcome[] })[]> {
    return (await this.records())
      .filter((record): record is Extract<HistoryRecord, { kind: 'run' }> => record.kind === 'run')
      .map((record) => ({ ...record.run, notifications: record.notifications }))
      .filter((run) => !filter.job?.length || filter.job.includes(run.job))
      .filter((run) => !filter.since || Date.parse(run.startedAt) >= filter.since.getTime())
      .filter((run) => !filter.status?.length || filter.status.includes(run.outcome))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}

/** Restore drills (`vya drill`), oldest first. */
export function drillsOf(records: HistoryRecord[], jobs?: string[]): DrillSummary[] {
  return records
    .filter((record): record is Extract<HistoryRecord, { kind: 'drill' }> => record.kind === 'drill')
    .map((record) => record.drill)
    .filter((drill) => !jobs?.length || jobs.includes(drill.job))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** fs writes may be short (a disk filling up): write until all is written or the write fails. */
async function writeWhole(file: FileHandle, data: Buffer): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await file.write(data, written, data.length - written);
    if (bytesWritten === 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
    written += bytesWritten;
  }
}

/** The offset just past the last newline at or before `size`, read backwards in small blocks. */
async function lastLineEnd(file: FileHandle, size: number): Promise<number> {
  const block = Buffer.alloc(4096);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - block.length);
    const { bytesRead } = await file.read(block, 0, end - start, start);
    const newline = block.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) return start + newline + 1;
    end = start;
  }
  return 0;
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return 'no space left on the device (the record was not written)';
  if (code === 'EDQUOT') return 'disk quota exceeded (the record was not written)';
  return errorMessage(error);
}
