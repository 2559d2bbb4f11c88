import type { ReportRun } from '@vya/plugin-api';

const COLORS = { succeeded: '#1a7f37', partial: '#bf8700', failed: '#cf222e' };
const WIDTH = 900;

/** A bar per run (oldest left), height by `value`, colour by outcome: inline SVG, no script. */
export function barChart(runs: ReportRun[], value: (run: ReportRun) => number, label: (run: ReportRun) => string, title: string): string {
  const height = 140;
  if (runs.length === 0) return `<p class="muted">No runs in this period.</p>`;
  const max = Math.max(...runs.map(value), 1);
  const step = WIDTH / runs.length;
  const bars = runs
    .map((run, i) => {
      const h = Math.max(1, (value(run) / max) * (height - 20));
      return `<rect x="${(i * step).toFixed(2)}" y="${(height - h).toFixed(2)}" width="${Math.max(step - 1, 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="${COLORS[run.outcome]}"><title>${escape(`${run.job} ${run.startedAt}: ${label(run)}`)}</title></rect>`;
    })
    .join('');
  return `<svg role="img" aria-label="${escape(title)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" height="${height}" preserveAspectRatio="none">${bars}</svg>`;
}

/** One row per job, a dot per run along the time axis, colour by outcome. */
export function timeline(runs: ReportRun[], since: string, until: string): string {
  const jobs = [...new Set(runs.map((run) => run.job))].sort();
  const start = Date.parse(since);
  const span = Math.max(Date.parse(until) - start, 1);
  const rowHeight = 24;
  const left = 160;
  const height = jobs.length * rowHeight + 10;
  const rows = jobs
    .map((job, row) => {
      const y = row * rowHeight + 16;
      const dots = runs
        .filter((run) => run.job === job)
        .map((run) => {
          const x = left + ((Date.parse(run.startedAt) - start) / span) * (WIDTH - left - 10);
          return `<circle cx="${x.toFixed(1)}" cy="${y}" r="${run.outcome === 'succeeded' ? 3 : 5}" fill="${COLORS[run.outcome]}"><title>${escape(`${job} ${run.startedAt} ${run.outcome}`)}</title></circle>`;
        })
        .join('');
      return `<text x="0" y="${y + 4}" font-size="12">${escape(job)}</text><line x1="${left}" x2="${WIDTH - 10}" y1="${y}" y2="${y}" stroke="#d0d7de"/>${dots}`;
    })
    .join('');
  return `<svg role="img" aria-label="timeline of runs" viewBox="0 0 ${WIDTH} ${height}" width="100%" height="${height}">${rows}</svg>`;
}

export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
