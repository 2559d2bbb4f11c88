import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunOutcome, RunSummary } from '../../plugin-api/index.js';

export interface NotificationOutcome {
  name: string;
  ok: boolean;
  error?: string;
}

/** One line of history.jsonl: a run, or a daemon heartbeat. */
export type HistoryRecord = { kind: 'run'; run: RunSummary; notifications: NotificationOutcome[] } | { kind: 'heartbeat'; at: string; host: string; pid: number };

export interface HistoryFilter {
  job?: string[];
  since?: Date;
  status?: RunOutcome[];
}

/**
 * Every run, as append-only JSON lines under the state directory, each line written with one
 * append and fsynced. A crash mid-write can only leave a torn last line, which reading skips.
 */
export class HistoryStore {
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, 'history.jsonl');
  }

  async append(record: HistoryRecord): Promise<void> {
    await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 });
    const file = await open(this.path, 'a', 0o600);
    try {
      await file.write(JSON.stringify(record) + '\n');
      await file.sync();
    } finally {
      await file.close();
    }
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
