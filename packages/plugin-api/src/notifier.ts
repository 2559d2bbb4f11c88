import type { DrillSummary } from './drill.js';
import type { CheckItem } from './check.js';

export type RunOutcome = 'succeeded' | 'failed' | 'partial';
/** 'partial': stored in some of the job's sinks, failed in others (see `sinks`). */
export type UnitStatus = 'succeeded' | 'failed' | 'partial';

/** What happened to one unit in one of its job's sinks. */
export interface SinkResult {
  sink: string;
  status: 'succeeded' | 'failed';
  /** Already redacted. */
  error?: string;
}

/** What happened to one unit in a run. */
export interface UnitResult {
  job: string;
  source: string;
  /** The job's sink; with several, their names joined by ", " (each one's outcome is in `sinks`). */
  sink: string;
  unit: string;
  status: UnitStatus;
  /** Per sink, when the job writes to several. */
  sinks?: SinkResult[];
  snapshotId?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  rawBytes: number;
  storedBytes: number;
  /** Entries the source could not read: the snapshot is stored without them, or not whole (status partial). */
  unread?: number;
  /** Already redacted. */
  error?: string;
}

/** One run of one job. */
export interface RunSummary {
  runId: string;
  job: string;
  host: string;
  outcome: RunOutcome;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  units: UnitResult[];
  /** Why the job failed before or outside any unit (e.g. discovery could not connect); redacted. */
  error?: string;
  totals: { units: number; succeeded: number; failed: number; rawBytes: number; storedBytes: number };
}

export interface RunEvent {
  outcome: RunOutcome;
  /**
   * 'drill' for a restore drill (`vya drill`): `run` then summarises it (a unit succeeded when
   * its drill passed, its error names what failed) and `drill` holds the details. Absent: a backup.
   */
  kind?: 'backup' | 'drill';
  drill?: DrillSummary;
  run: RunSummary;
  /** The run's log lines (redacted), for attachments. */
  log: string[];
}

export interface Notifier {
  notify(event: RunEvent, signal?: AbortSignal): Promise<void>;
  check?(signal?: AbortSignal): Promise<CheckItem[]>;
  close?(): Promise<void>;
}
