import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { VyaError, type ReportModel } from '@vya/plugin-api';
import { HistoryStore } from '../core/history/history-store.js';
import { parseSince } from '../core/history/since.js';
import { buildReportModel } from '../core/report/build-model.js';

export default class Report extends VyaCommand {
  static override summary = 'Write an HTML (or JSON) report of the run history: success rates, freshness, sizes, failures.';
  static override description = 'HTML reports come from report template plugins (bundled: full, summary); each is one self-contained file, with no network access needed to view it.';
  static override examples = ['<%= config.bin %> report --out report.html', '<%= config.bin %> report --since 7d --job nightly-pg --template summary --out week.html', '<%= config.bin %> report --format json'];
  static override flags = {
    since: Flags.string({ summary: 'Period covered: 30d, 12h, 2w or a date.', default: '30d' }),
    job: Flags.string({ summary: 'Only this job (repeatable).', multiple: true }),
    format: Flags.string({ summary: 'html or json (default: html; json with --json).', options: ['html', 'json'] }),
    template: Flags.string({ summary: 'Report template (html).', default: 'full' }),
    out: Flags.string({ char: 'o', summary: 'Write to this file instead of standard output.' }),
  };

  /** With --json, stdout carries exactly one JSON document: the model itself, or (with --out) what was written. */
  async run(): Promise<ReportModel | { out: string; format: string; runs: number } | undefined> {
    const { flags } = await this.parse(Report);
    const json = this.jsonEnabled();
    const format = flags.format ?? (json && !flags.out ? 'json' : 'html');
    if (json && !flags.out && format === 'html') {
      throw new VyaError('--json prints the report model as JSON; an HTML report needs --out', { code: 'USAGE', exitCode: 2, hint: 'add --out report.html, or drop --format html' });
    }
    const runtime = await this.runtime({ configFlag: flags.config, requireConfig: false });
    const store = new HistoryStore(runtime.stateDir);
    const [history, drills] = await Promise.all([store.query(), store.drills()]);
    const reports = runtime.config.reports as { title?: string; stale_after_hours?: number } | undefined;
    const model = buildReportModel(history, { since: parseSince(flags.since), until: new Date(), jobs: flags.job, staleAfterHours: reports?.stale_after_hours ?? 36, host: hostname(), title: reports?.title }, drills);
    if (json && !flags.out) return model;
    const document = format === 'json' ? JSON.stringify(model, null, 2) + '\n' : await runtime.registry.reportTemplate(flags.template).render(model);
    if (!flags.out) {
      process.stdout.write(document);
      return undefined;
    }
    await writeFile(flags.out, document);
    this.logToStderr(`wrote ${flags.out} (${model.totals.runs} runs)`);
    return { out: flags.out, format, runs: model.totals.runs };
  }
}
