import { formatBytes } from '@vya/plugin-api';
import type { SnapshotSummary } from '../repository/manifest.js';

/** A fixed-width table, like restic's `snapshots`. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatSnapshotTable(snapshots: (SnapshotSummary & { sinks?: string[] })[]): string {
  const rows = snapshots.map((s) => [s.id, s.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), s.job, s.unit, (s.sinks ?? [s.sink]).join(','), formatBytes(s.raw_bytes), formatBytes(s.stored_bytes), s.encrypted ? 'age' : '-']);
  return `${formatTable(['ID', 'TIME', 'JOB', 'UNIT', 'SINKS', 'RAW', 'STORED', 'ENC'], rows)}\n${snapshots.length} snapshot(s)`;
}
