import type { RunOutcome } from './notifier.js';

/** What one restore drill of one unit found (`vya drill`). */
export interface DrillUnitResult {
  job: string;
  unit: string;
  sink: string;
  /** The snapshot restored: the unit's newest. */
  snapshotId?: string;
  snapshotTime?: string;
  /** The source restored into, or 'directory' for file sets. */
  into?: string;
  /** The scratch database or directory. */
  scratch?: string;
  /** True when --keep left the scratch target in place. */
  kept: boolean;
  /** 'skipped': the source says this unit cannot be drilled (`skipped` says why), e.g. cluster roles. */
  status: 'passed' | 'failed' | 'skipped';
  skipped?: string;
  startedAt: string;
  finishedAt: string;
  /** The measured restore time: the recovery time objective this snapshot proves. */
  restoreMs?: number;
  checkMs?: number;
  /** What was compared, e.g. '12 table(s), 10452 row(s)'. */
  checked?: string;
  /** One line per mismatch, e.g. 'table public.orders missing'; redacted. */
  problems: string[];
  /** Why the drill could not restore or check at all; redacted. */
  error?: string;
}

/** One `vya drill` of one job. */
export interface DrillSummary {
  runId: string;
  job: string;
  host: string;
  outcome: RunOutcome;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  units: DrillUnitResult[];
  /** Why the drill failed before any unit (no snapshot, unknown target); redacted. */
  error?: string;
}
