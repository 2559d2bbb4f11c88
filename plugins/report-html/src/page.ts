import type HandlebarsModule from 'handlebars';
import { formatBytes, type ReportModel } from '@vya/plugin-api';
import { barChart, timeline } from './charts.js';
import { formatDuration, percent, shortTime } from './format.js';

let engine: Promise<typeof HandlebarsModule> | undefined;

/**
 * Handlebars is loaded when a report is rendered, not with the plugin: every vya command
 * loads this plugin, and Handlebars costs ~11 MiB and ~35 ms at each start (docs/performance.md).
 */
function handlebarsEngine(): Promise<typeof HandlebarsModule> {
  engine ??= import('handlebars').then(({ default: Handlebars }) => {
    const handlebars = Handlebars.create();
    handlebars.registerHelper('bytes', (n: number) => formatBytes(Number(n) || 0));
    handlebars.registerHelper('duration', (n: number) => formatDuration(Number(n) || 0));
    handlebars.registerHelper('percent', (n: number) => percent(Number(n) || 0));
    handlebars.registerHelper('time', (iso: string) => (iso ? shortTime(String(iso)) : '–'));
    handlebars.registerHelper('raw', (html: string) => new Handlebars.SafeString(html));
    handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    // The "last proven restore" cell: when a drill last passed and its restore time, or what the latest one found.
    handlebars.registerPartial(
      'provenRestore',
      '<td class="proven {{#if lastDrillFailure}}bad{{else}}{{#if lastProvenRestoreAt}}ok{{/if}}{{/if}}">{{#if lastProvenRestoreAt}}{{time lastProvenRestoreAt}} ({{duration lastProvenRestoreMs}}){{else}}never{{/if}}{{#if lastDrillFailure}}<br><span class="error">last drill failed: {{lastDrillFailure}}</span>{{/if}}</td>',
    );
    // A job that never succeeds is an outage, not a warning.
    handlebars.registerHelper('rateClass', (rate: number) => (rate >= 1 ? 'ok' : rate <= 0 ? 'bad' : 'warn'));
    return handlebars;
  });
  return engine;
}

export const STYLE = `
  :root { color-scheme: light; }
  body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 24px auto; max-width: 960px; padding: 0 16px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
  .muted { color: #57606a; } .cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-top: 16px; }
  .card { border: 1px solid #d0d7de; border-radius: 6px; padding: 12px; } .card .value { font-size: 24px; font-weight: 600; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
  th { font-weight: 600; border-bottom: 1px solid #d0d7de; } tr.failed, tr.stale { background: #ffebe9; } tr.partial { background: #fff8c5; }
  .ok { color: #1a7f37; font-weight: 600; } .bad { color: #cf222e; font-weight: 600; } .warn { color: #9a6700; font-weight: 600; }
  code { font-size: 12px; } .error { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
`;

export interface PageContext {
  model: ReportModel;
  failedOrPartial: number;
  charts: { sizes: string; durations: string; timeline: string };
  recentRuns: ReportModel['runs'];
}

export function pageContext(model: ReportModel, recent: number): PageContext {
  return {
    model,
    failedOrPartial: model.totals.failed + model.totals.partial,
    charts: {
      sizes: barChart(model.runs, (run) => run.storedBytes, (run) => formatBytes(run.storedBytes), 'stored bytes per run'),
      durations: barChart(model.runs, (run) => run.durationMs, (run) => formatDuration(run.durationMs), 'duration per run'),
      timeline: timeline(model.runs, model.since, model.until),
    },
    recentRuns: [...model.runs].reverse().slice(0, recent),
  };
}

export function compile(template: string): (context: PageContext) => Promise<string> {
  let render: ((context: PageContext) => string) | undefined;
  return async (context) => {
    render ??= (await handlebarsEngine()).compile(template, { strict: false });
    return render(context);
  };
}
