import type { DrillSummary, ReportUnit } from '@vya/plugin-api';

/**
 * Adds each unit's last proven restore (the last drill that passed, with its measured restore
 * time) and, when the latest drill failed, what it found. Drills up to `until` count, also
 * those before the report's window: a restore proven last month is still the last one proven.
 */
export function addProvenRestores(units: ReportUnit[], drills: DrillSummary[], job: string, until: Date): void {
  const ofJob = drills.filter((drill) => drill.job === job && Date.parse(drill.startedAt) <= until.getTime());
  for (const drill of [...ofJob].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    for (const result of drill.units) {
      if (result.status === 'skipped') continue;
      let unit = units.find((u) => u.unit === result.unit);
      if (!unit) units.push((unit = { job, unit: result.unit, stale: true }));
      if (result.status === 'passed') {
        Object.assign(unit, { lastProvenRestoreAt: result.finishedAt, lastProvenRestoreMs: result.restoreMs, lastProvenSnapshotId: result.snapshotId });
        delete unit.lastDrillFailure;
      } else {
        unit.lastDrillFailure = [result.error, ...result.problems].filter(Boolean).join('; ') || 'failed';
      }
    }
  }
}
