import { randomBytes } from 'node:crypto';

/** `20261125T023000Z-3f9a1c`: sorts by time, unique enough across hosts, readable in a listing. */
export function newSnapshotId(at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function newRunId(at: Date = new Date()): string {
  return `run-${newSnapshotId(at)}`;
}

export const SNAPSHOT_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
