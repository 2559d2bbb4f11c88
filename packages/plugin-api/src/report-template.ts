/**
 * The run history, shaped for reports. Times are ISO 8601 strings; sizes are bytes.
 */
export interface ReportModel {
  title: string;
  generatedAt: string;
  since: string;
  until: string;
  host: string;
  totals: { runs: number; succeeded: number; failed: number; partial: number; successRate: number; rawBytes: number; storedBytes: number };
  jobs: ReportJob[];
  runs: ReportRun[];
  failures: ReportFailure[];
}

export interface ReportJob {
  job: string;
  runs: number;
  succeeded: number;
  successRate: number;
  units: ReportUnit[];
}

export interface ReportUnit {
  job: string;
  unit: string;
  lastSuccessAt?: string;
  lastSnapshotId?: string;
  ageHours?: number;
  stale: boolean;
  /** When a restore drill of the unit last passed: the last proven restore (`vya drill`). */
  lastProvenRestoreAt?: string;
  /** The restore time that drill measured (its RTO), in milliseconds. */
  lastProvenRestoreMs?: number;
  /** The snapshot that drill restored. */
  lastProvenSnapshotId?: string;
  /** Set when the unit's latest drill failed: what it found (redacted). */
  lastDrillFailure?: string;
}

export interface ReportRun {
  runId: string;
  job: string;
  outcome: 'succeeded' | 'failed' | 'partial';
  startedAt: string;
  durationMs: number;
  rawBytes: number;
  storedBytes: number;
  units: number;
  failed: number;
}

export interface ReportFailure {
  runId: string;
  job: string;
  unit: string;
  at: string;
  error: string;
}

export interface ReportTemplate {
  /** `vya report --template NAME`. */
  name: string;
  description: string;
  /** File extension of what `render` returns: 'html', 'md', ... */
  extension: string;
  render(model: ReportModel): Promise<string>;
}
