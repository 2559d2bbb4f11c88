import type { DrillSummary } from '@vya/plugin-api';

type Sample = [Record<string, string>, number];
export type MetricWriter = (name: string, type: string, help: string, samples: Sample[]) => void;

interface UnitDrills {
  labels: Record<string, string>;
  last?: number;
  passed?: number;
  lastPassed?: number;
  restoreSeconds?: number;
  failures: number;
}

/** `vya_drill_*`: when each unit's restore was last proven, whether the last drill passed, its restore time (RTO). */
export function writeDrillMetrics(drills: DrillSummary[], metric: MetricWriter): void {
  const units = new Map<string, UnitDrills>();
  for (const drill of [...drills].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    for (const unit of drill.units) {
      if (unit.status === 'skipped') continue;
      const key = `${unit.job}\u0000${unit.unit}`;
      const entry = units.get(key) ?? { labels: { job: unit.job, unit: unit.unit }, failures: 0 };
      entry.last = Date.parse(unit.finishedAt) / 1000;
      entry.passed = unit.status === 'passed' ? 1 : 0;
      if (unit.status === 'passed') {
        entry.lastPassed = entry.last;
        entry.restoreSeconds = (unit.restoreMs ?? 0) / 1000;
      } else entry.failures++;
      units.set(key, entry);
    }
  }
  const all = [...units.values()];
  metric('vya_drill_last_timestamp_seconds', 'gauge', 'When the unit was last drilled (restored into a scratch target and checked).', all.map((u) => [u.labels, u.last!]));
  metric('vya_drill_last_success', 'gauge', '1 when the last restore drill of the unit passed, else 0.', all.map((u) => [u.labels, u.passed!]));
  metric('vya_drill_last_success_timestamp_seconds', 'gauge', 'When a restore drill of the unit last passed: the last proven restore.', all.filter((u) => u.lastPassed !== undefined).map((u) => [u.labels, u.lastPassed!]));
  metric('vya_drill_restore_duration_seconds', 'gauge', 'Restore time measured by the last passed drill (the RTO it proves).', all.filter((u) => u.restoreSeconds !== undefined).map((u) => [u.labels, u.restoreSeconds!]));
  metric('vya_drill_failures_total', 'counter', 'Failed restore drills of the unit.', all.map((u) => [u.labels, u.failures]));
}
