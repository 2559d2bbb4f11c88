import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage, type DrillSummary, type Logger, type RunSummary } from '@vya/plugin-api';
import { writeDrillMetrics } from './drill-metrics.js';

export interface MetricsConfig {
  textfile?: string;
  pushgateway?: { url: string; job?: string; timeout_seconds?: number };
}

/** Prometheus text exposition of the run history: what dashboards and alerts need. */
export function renderMetrics(runs: RunSummary[], drills: DrillSummary[] = []): string {
  const lastRun = new Map<string, RunSummary>();
  const unitLast = new Map<string, { job: string; unit: string; success?: number; raw?: number; stored?: number; duration?: number }>();
  const runsTotal = new Map<string, number>();
  const failuresTotal = new Map<string, number>();
  for (const run of [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    lastRun.set(run.job, run);
    runsTotal.set(`${run.job}\u0000${run.outcome}`, (runsTotal.get(`${run.job}\u0000${run.outcome}`) ?? 0) + 1);
    for (const unit of run.units) {
      const key = `${run.job}\u0000${unit.unit}`;
      const entry = unitLast.get(key) ?? { job: run.job, unit: unit.unit };
      if (unit.status === 'succeeded') Object.assign(entry, { success: Date.parse(unit.finishedAt) / 1000, raw: unit.rawBytes, stored: unit.storedBytes, duration: unit.durationMs / 1000 });
      else failuresTotal.set(key, (failuresTotal.get(key) ?? 0) + 1);
      unitLast.set(key, entry);
    }
  }
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [Record<string, string>, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}{${Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}} ${value}`);
  };
  const units = [...unitLast.values()];
  metric('vya_unit_last_success_timestamp_seconds', 'gauge', 'When the unit last backed up successfully.', units.filter((u) => u.success !== undefined).map((u) => [{ job: u.job, unit: u.unit }, u.success!]));
  metric('vya_unit_last_success_raw_bytes', 'gauge', 'Bytes the source produced in the last successful backup.', units.filter((u) => u.raw !== undefined).map((u) => [{ job: u.job, unit: u.unit }, u.raw!]));
  metric('vya_unit_last_success_stored_bytes', 'gauge', 'Bytes stored by the last successful backup.', units.filter((u) => u.stored !== undefined).map((u) => [{ job: u.job, unit: u.unit }, u.stored!]));
  metric('vya_unit_last_success_duration_seconds', 'gauge', 'Duration of the last successful backup of the unit.', units.filter((u) => u.duration !== undefined).map((u) => [{ job: u.job, unit: u.unit }, u.duration!]));
  metric('vya_unit_failures_total', 'counter', 'Failed backups of the unit.', [...failuresTotal].map(([key, n]) => [{ job: key.split('\u0000')[0], unit: key.split('\u0000')[1] }, n]));
  metric('vya_job_last_run_timestamp_seconds', 'gauge', 'When the job last ran.', [...lastRun.values()].map((run) => [{ job: run.job }, Date.parse(run.startedAt) / 1000]));
  metric('vya_job_last_run_success', 'gauge', '1 when every unit of the last run succeeded, else 0.', [...lastRun.values()].map((run) => [{ job: run.job }, run.outcome === 'succeeded' ? 1 : 0]));
  metric('vya_job_last_run_duration_seconds', 'gauge', 'Duration of the last run of the job.', [...lastRun.values()].map((run) => [{ job: run.job }, run.durationMs / 1000]));
  metric('vya_job_runs_total', 'counter', 'Runs of the job by outcome.', [...runsTotal].map(([key, n]) => [{ job: key.split('\u0000')[0], outcome: key.split('\u0000')[1] }, n]));
  if (drills.length > 0) writeDrillMetrics(drills, metric);
  return lines.join('\n') + '\n';
}

/** Writes the textfile (atomically, for node_exporter) and/or pushes to a Pushgateway. Never throws. */
export async function publishMetrics(config: MetricsConfig | undefined, runs: RunSummary[], logger: Logger, drills: DrillSummary[] = []): Promise<void> {
  if (!config?.textfile && !config?.pushgateway) return;
  const text = renderMetrics(runs, drills);
  if (config.textfile) {
    try {
      await mkdir(dirname(config.textfile), { recursive: true });
      const temp = `${config.textfile}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, text);
      await rename(temp, config.textfile);
    } catch (error) {
      logger.warn(`could not write metrics to ${config.textfile}: ${errorMessage(error)}`);
    }
  }
  if (config.pushgateway) {
    const url = `${config.pushgateway.url.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(config.pushgateway.job ?? 'vya')}`;
    try {
      const response = await fetch(url, { method: 'PUT', body: text, headers: { 'content-type': 'text/plain; version=0.0.4' }, signal: AbortSignal.timeout((config.pushgateway.timeout_seconds ?? 10) * 1000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      logger.warn(`could not push metrics to ${url}: ${errorMessage(error)}`);
    }
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
