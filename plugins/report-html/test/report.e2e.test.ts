import { mkdir, readFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { chromium } from 'playwright-core';
import type { RunSummary, UnitResult } from '@vya/plugin-api';
import { HistoryStore } from '../../../src/core/history/history-store.js';
import { parseJson, repoRoot, runVya, tempDir } from '../../../test/support/cli.js';

const HOUR = 3_600_000;

/** About 300 runs over 25 days: three jobs; shop fails every 9th run and the files job stopped 3 days ago. */
function syntheticHistory(now: number): RunSummary[] {
  const runs: RunSummary[] = [];
  const jobs = [
    { job: 'nightly-pg', units: ['shop', 'crm', 'globals'], every: 4 },
    { job: 'shop-mysql', units: ['shop', 'users'], every: 4 },
    { job: 'app-files', units: ['srv/app/uploads'], every: 8 },
  ];
  let n = 0;
  let tick = 0;
  for (let t = now - 25 * 24 * HOUR; t < now; t += HOUR, tick++) {
    for (const { job, units, every } of jobs) {
      if (tick % every !== 0) continue;
      n++;
      if (job === 'app-files' && t > now - 72 * HOUR) continue;
      const failing = job === 'shop-mysql' && n % 9 === 0;
      const startedAt = new Date(t).toISOString();
      const unitResults: UnitResult[] = units.map((unit, i) => {
        const failed = failing && unit === 'shop';
        const raw = failed ? 0 : 50_000_000 + ((n * 7919 + i * 104729) % 30_000_000);
        return {
          job,
          source: job,
          sink: 's3',
          unit,
          status: failed ? 'failed' : 'succeeded',
          snapshotId: failed ? undefined : `${startedAt.replace(/[-:]/g, '').slice(0, 15)}Z-${String(n).padStart(6, '0').slice(-6)}`,
          startedAt,
          finishedAt: new Date(t + 60_000 + i * 1000).toISOString(),
          durationMs: 60_000 + (n % 17) * 1000,
          rawBytes: raw,
          storedBytes: Math.round(raw / 4),
          error: failed ? 'mariadb-dump of database shop failed: Lost connection to server during query' : undefined,
        };
      });
      const failedCount = unitResults.filter((u) => u.status === 'failed').length;
      runs.push({
        runId: `run-${n}`,
        job,
        host: 'db1',
        outcome: failedCount === 0 ? 'succeeded' : failedCount === units.length ? 'failed' : 'partial',
        startedAt,
        finishedAt: new Date(t + 90_000).toISOString(),
        durationMs: 90_000 + (n % 23) * 1000,
        units: unitResults,
        totals: { units: units.length, succeeded: units.length - failedCount, failed: failedCount, rawBytes: unitResults.reduce((s, u) => s + u.rawBytes, 0), storedBytes: unitResults.reduce((s, u) => s + u.storedBytes, 0) },
      });
    }
  }
  return runs;
}

describe('reports: the HTML report of a few hundred runs, in a real browser', function () {
  this.timeout(180_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let runs: RunSummary[];
  const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state') });

  before(async () => {
    dir = await tempDir('vya-e2e-report-');
    runs = syntheticHistory(Date.now());
    const store = new HistoryStore(join(dir.path, 'state'));
    for (const run of runs) await store.append({ kind: 'run', run, notifications: [] });
  });
  after(async () => dir.cleanup());

  it('renders the full report: key numbers visible, stale units and failures in red, no console errors', async () => {
    const out = join(dir.path, 'report.html');
    const result = await runVya(['report', '--since', '30d', '--out', out], { env: env(), cwd: dir.path });
    expect(result.code, result.stderr).to.equal(0);
    const html = await readFile(out, 'utf8');
    expect(html).to.not.match(/<script|https?:\/\/(?!www\.w3\.org)/);
    const failedRuns = runs.filter((r) => r.outcome !== 'succeeded').length;
    const expectedRate = `${((runs.filter((r) => r.outcome === 'succeeded').length / runs.length) * 100).toFixed(1)}%`;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => !request.url().startsWith('file:') && problems.push(`network: ${request.url()}`));
      await page.goto(`file://${out}`);
      expect(await page.textContent('#total-runs')).to.equal(String(runs.length));
      expect(await page.textContent('#success-rate')).to.equal(expectedRate);
      expect(await page.textContent('#failed-runs')).to.equal(String(failedRuns));
      expect(await page.locator('tr.job-row').count()).to.equal(3);
      const stale = await page.locator('tr.stale').allTextContents();
      expect(stale.join('\n')).to.match(/app-files.*srv\/app\/uploads/);
      expect(await page.locator('tr.failed').count()).to.equal(runs.flatMap((r) => r.units).filter((u) => u.status === 'failed').length);
      expect(failedRuns).to.be.greaterThan(0);
      expect(await page.locator('svg rect').count()).to.equal(2 * runs.length);
      expect(await page.getByText('Lost connection to server during query').first().isVisible()).to.equal(true);
      // Runs in the browser, where getComputedStyle exists (this project compiles without DOM types).
      const redRow = await page.locator('tr.failed').first().evaluate((row) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(row).backgroundColor);
      expect(redRow).to.equal('rgb(255, 235, 233)');
      await mkdir(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'report-full.png'), fullPage: true });
      expect(problems).to.deep.equal([]);
    } finally {
      await browser.close();
    }
    if (process.env.VYA_UPDATE_DOC_SCREENSHOT) await copyFile(join(repoRoot, 'test-artifacts', 'report-full.png'), join(repoRoot, 'docs', 'images', 'report.png'));
  });

  it('renders the summary template and the JSON model; an unknown template names the installed ones', async () => {
    const summary = await runVya(['report', '--template', 'summary'], { env: env(), cwd: dir.path });
    expect(summary.code, summary.stderr).to.equal(0);
    expect(summary.stdout).to.match(/<h1>vya backup report<\/h1>/);
    const model = parseJson<{ totals: { runs: number }; jobs: { job: string }[] }>(await runVya(['report', '--format', 'json', '--job', 'nightly-pg'], { env: env(), cwd: dir.path }));
    expect(model.jobs.map((j) => j.job)).to.deep.equal(['nightly-pg']);
    expect(model.totals.runs).to.equal(runs.filter((r) => r.job === 'nightly-pg').length);
    const unknown = await runVya(['report', '--template', 'fancy'], { env: env(), cwd: dir.path });
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/Hint: installed templates: full, summary/);
  });

  describe('a job that has never succeeded, and --json', () => {
    let never: { path: string; cleanup: () => Promise<void> };
    const neverEnv = () => ({ VYA_STATE_DIR: join(never.path, 'state') });

    before(async () => {
      never = await tempDir('vya-e2e-report-never-');
      const store = new HistoryStore(join(never.path, 'state'));
      const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * HOUR).toISOString();
      for (const hoursAgo of [30, 20, 10]) {
        const run: RunSummary = { runId: `down-${hoursAgo}`, job: 'mysql-down', host: 'db1', outcome: 'failed', startedAt: at(hoursAgo), finishedAt: at(hoursAgo), durationMs: 100, units: [], error: 'MySQL at 10.0.0.5:3306: access denied', totals: { units: 0, succeeded: 0, failed: 0, rawBytes: 0, storedBytes: 0 } };
        await store.append({ kind: 'run', run, notifications: [] });
      }
    });
    after(async () => never.cleanup());

    it('lists it in the last-good tables of both templates as never, with a red 0 %', async () => {
      for (const template of ['full', 'summary']) {
        const html = (await runVya(['report', '--template', template], { env: neverEnv(), cwd: never.path })).stdout;
        expect(html, template).to.match(/<tr class="stale"><td>mysql-down<\/td><td>\(job\)<\/td><td>–<\/td><td class="bad">never<\/td>/);
        expect(html, template).to.match(/id="success-rate"[^>]*class="bad"|class="value bad" id="success-rate"/);
      }
      const full = (await runVya(['report'], { env: neverEnv(), cwd: never.path })).stdout;
      expect(full).to.match(/<tr class="job-row"><td>mysql-down<\/td><td>3<\/td><td>0<\/td><td class="bad">0\.0%<\/td>/);
    });

    it('--json always writes exactly one JSON document on stdout', async () => {
      const plain = await runVya(['report', '--json'], { env: neverEnv(), cwd: never.path });
      expect(parseJson<{ totals: { runs: number } }>(plain).totals.runs).to.equal(3);
      const both = await runVya(['report', '--format', 'json', '--json'], { env: neverEnv(), cwd: never.path });
      expect(parseJson<{ jobs: { job: string }[] }>(both).jobs.map((j) => j.job)).to.deep.equal(['mysql-down']);
      const out = join(never.path, 'r.html');
      const written = parseJson<{ out: string; format: string; runs: number }>(await runVya(['report', '--json', '--out', out], { env: neverEnv(), cwd: never.path }));
      expect(written).to.deep.equal({ out, format: 'html', runs: 3 });
      expect(await readFile(out, 'utf8')).to.match(/^<!doctype html>/);
      const html = await runVya(['report', '--json', '--format', 'html'], { env: neverEnv(), cwd: never.path });
      expect(html.code).to.equal(2);
      expect(parseJson<{ error: { code: string } }>(html).error.code).to.equal('USAGE');
    });
  });
});
