import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { formatBytes, type RunEvent } from '@vya/plugin-api';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

const handlebars = Handlebars.create();
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
handlebars.registerHelper('bytes', (value: number) => formatBytes(Number(value) || 0));
handlebars.registerHelper('duration', (ms: number) => formatDuration(Number(ms) || 0));

/** The templates shipped in the vya package (templates/email), unless `templates_dir` overrides them. */
export function defaultTemplatesDir(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('vya/package.json'))), 'templates', 'email');
}

export async function renderMail(event: RunEvent, options: { templatesDir: string; testMode: boolean; subjectPrefix?: string }): Promise<RenderedMail> {
  // Only the HTML body is HTML: escaping the subject or the text part would show `&quot;` to the reader.
  const load = async (name: string, isHtml: boolean) => handlebars.compile(await readFile(join(options.templatesDir, name), 'utf8'), { noEscape: !isHtml });
  const [subject, html, text] = await Promise.all([load('subject.hbs', false), load('body.html.hbs', true), load('body.txt.hbs', false)]);
  const context = {
    run: event.run,
    outcome: event.outcome,
    drill: event.kind === 'drill' ? event.drill : undefined,
    outcomeWord: event.outcome === 'succeeded' ? 'SUCCEEDED' : event.outcome === 'partial' ? 'PARTIAL' : 'FAILED',
    failed: event.outcome !== 'succeeded',
    testMode: options.testMode,
    startedAt: event.run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  };
  return { subject: `${options.subjectPrefix ?? ''}${subject(context).trim()}`, html: html(context), text: text(context) };
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 100) / 10;
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
