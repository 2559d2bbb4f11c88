import type { ReportModel, ReportTemplate } from '@vya/plugin-api';
import { compile, pageContext, STYLE } from './page.js';

const TEMPLATE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{model.title}}</title><style>${STYLE}</style></head>
<body>
<h1>{{model.title}}</h1>
<p class="muted">{{model.host}} · {{time model.since}} to {{time model.until}} · generated {{time model.generatedAt}}</p>
<div class="cards">
  <div class="card"><div class="muted">Runs</div><div class="value" id="total-runs">{{model.totals.runs}}</div></div>
  <div class="card"><div class="muted">Success rate</div><div class="value {{rateClass model.totals.successRate}}" id="success-rate">{{percent model.totals.successRate}}</div></div>
  <div class="card"><div class="muted">Runs with failures</div><div class="value {{#if failedOrPartial}}bad{{/if}}" id="failed-runs">{{failedOrPartial}}</div></div>
  <div class="card"><div class="muted">Stored</div><div class="value" id="stored-bytes">{{bytes model.totals.storedBytes}}</div></div>
</div>

<h2>Jobs</h2>
<table><tr><th>Job</th><th>Runs</th><th>Succeeded</th><th>Success rate</th></tr>
{{#each model.jobs}}<tr class="job-row"><td>{{job}}</td><td>{{runs}}</td><td>{{succeeded}}</td><td class="{{rateClass successRate}}">{{percent successRate}}</td></tr>{{/each}}
</table>

<h2>Last good snapshot per unit</h2>
<table><tr><th>Job</th><th>Unit</th><th>Last success</th><th>Age</th><th>Snapshot</th><th>Last proven restore</th></tr>
{{#each model.jobs}}{{#each units}}<tr class="{{#if stale}}stale{{/if}}"><td>{{job}}</td><td>{{unit}}</td><td>{{time lastSuccessAt}}</td><td class="{{#if stale}}bad{{else}}ok{{/if}}">{{#if lastSuccessAt}}{{ageHours}} h{{#if stale}} (stale){{/if}}{{else}}never{{/if}}</td><td><code>{{lastSnapshotId}}</code></td>{{> provenRestore}}</tr>{{/each}}{{/each}}
</table>

<h2>Stored size per run</h2>{{raw charts.sizes}}
<h2>Duration per run</h2>{{raw charts.durations}}
<h2>Timeline</h2>{{raw charts.timeline}}

<h2>Failures</h2>
{{#if model.failures.length}}<table><tr><th>When</th><th>Job</th><th>Unit</th><th>Error</th></tr>
{{#each model.failures}}<tr class="failed"><td>{{time at}}</td><td>{{job}}</td><td>{{unit}}</td><td class="error">{{error}}</td></tr>{{/each}}
</table>{{else}}<p class="ok">No failures in this period.</p>{{/if}}

<h2>Recent runs</h2>
<table><tr><th>Started</th><th>Job</th><th>Outcome</th><th>Units</th><th>Stored</th><th>Duration</th></tr>
{{#each recentRuns}}<tr class="{{outcome}}"><td>{{time startedAt}}</td><td>{{job}}</td><td>{{outcome}}</td><td>{{units}}{{#if failed}} ({{failed}} failed){{/if}}</td><td>{{bytes storedBytes}}</td><td>{{duration durationMs}}</td></tr>{{/each}}
</table>
</body></html>
`;

const render = compile(TEMPLATE);

export const fullReportTemplate: ReportTemplate = {
  name: 'full',
  description: 'Everything: totals, success per job, freshness per unit, size and duration charts, timeline, failures, recent runs.',
  extension: 'html',
  async render(model: ReportModel) {
    return render(pageContext(model, 50));
  },
};
