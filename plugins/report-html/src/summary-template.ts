import type { ReportModel, ReportTemplate } from '@vya/plugin-api';
import { compile, pageContext, STYLE } from './page.js';

const TEMPLATE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{model.title}} (summary)</title><style>${STYLE}</style></head>
<body>
<h1>{{model.title}}</h1>
<p class="muted">{{time model.since}} to {{time model.until}} · {{model.totals.runs}} runs · success rate <strong id="success-rate" class="{{rateClass model.totals.successRate}}">{{percent model.totals.successRate}}</strong></p>
<table><tr><th>Job</th><th>Unit</th><th>Last success</th><th>Age</th><th>Last proven restore</th></tr>
{{#each model.jobs}}{{#each units}}<tr class="{{#if stale}}stale{{/if}}"><td>{{job}}</td><td>{{unit}}</td><td>{{time lastSuccessAt}}</td><td class="{{#if stale}}bad{{else}}ok{{/if}}">{{#if lastSuccessAt}}{{ageHours}} h{{else}}never{{/if}}</td>{{> provenRestore}}</tr>{{/each}}{{/each}}
</table>
{{#if model.failures.length}}<h2>Failures</h2><ul>{{#each model.failures}}<li><strong>{{job}}/{{unit}}</strong> {{time at}}: <span class="error">{{error}}</span></li>{{/each}}</ul>{{/if}}
</body></html>
`;

const render = compile(TEMPLATE);

export const summaryReportTemplate: ReportTemplate = {
  name: 'summary',
  description: 'One screen: success rate, freshness of each unit, failures. Fits in an e-mail.',
  extension: 'html',
  async render(model: ReportModel) {
    return render(pageContext(model, 0));
  },
};
