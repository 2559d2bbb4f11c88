/**
 * `npm run bench`: vya against the shell pipelines it replaces, on the datasets of issue 16,
 * created once and kept (idempotent). Not a test: numbers only. bench/README.md says what
 * it needs and the variables that size and filter it.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBaseline } from './lib/baseline.js';
import { ensureBigDump, ensureFiles, ensureMariadbShop, ensurePostgresBench, ensureSmallDatabases, mariadbReachable, postgresReachable, sizesAt, SMALL_DB_PREFIX } from './lib/datasets.js';
import { loadAverage, settle, timeCommand } from './lib/measure.js';
import { renderMarkdown, summarize, type ScenarioResult } from './lib/report.js';
import { SCENARIOS, type BenchContext, type Scenario } from './lib/scenarios.js';
import { writeStartupConfig, writeVyaConfig } from './lib/vya-config.js';

const scale = Number(process.env.VYA_BENCH_SCALE ?? 1);
const runs = Number(process.env.VYA_BENCH_RUNS ?? 3);
const warmups = Number(process.env.VYA_BENCH_WARMUP ?? 1);
const wanted = (process.env.VYA_BENCH_SCENARIOS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const root = process.env.VYA_BENCH_DIR ?? '/tmp/vya-bench';
const repoRoot = join(import.meta.dirname, '..');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  if (!(scale > 0) || !(runs >= 1) || !(Number.isInteger(warmups) && warmups >= 0)) throw new Error('VYA_BENCH_SCALE must be > 0, VYA_BENCH_RUNS >= 1 and VYA_BENCH_WARMUP a whole number >= 0');
  const sizes = sizesAt(scale);
  const scenarios = SCENARIOS.filter((s) => wanted.length === 0 || wanted.some((w) => (w.endsWith('*') ? s.id.startsWith(w.slice(0, -1)) : s.id === w)));
  const available = { postgres: postgresReachable(), mariadb: mariadbReachable(), s3: true };
  const runnable = scenarios.filter((s) => s.needs.every((need) => available[need]));
  for (const s of scenarios) if (!runnable.includes(s)) log(`skipping ${s.id}: needs ${s.needs.filter((n) => !available[n]).join(', ')}`);
  const needs = new Set(runnable.flatMap((s) => [...s.needs, s.id]));

  await mkdir(root, { recursive: true });
  const context = await prepare(sizes, needs);
  const s3 = needs.has('s3') ? await startS3(context) : undefined;
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of runnable) results.push(runScenario(scenario, context));
  } finally {
    await s3?.stop();
  }
  const report = summarize(results, { scale, runs, warmups, sizes, node: process.version, cores: execFileSync('nproc', { encoding: 'utf8' }).trim() });
  const stamp = new Date().toISOString().replace(/:\d\d\.\d+Z$/, '').replace(':', '');
  const resultsDir = join(repoRoot, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const markdown = renderMarkdown(report);
  await writeFile(join(resultsDir, `${stamp}.md`), markdown);
  await writeFile(join(resultsDir, `${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
  console.log(markdown);
  log(`written bench/results/${stamp}.md and .json`);
}

async function prepare(sizes: ReturnType<typeof sizesAt>, needs: Set<string>): Promise<BenchContext> {
  const { identity, recipient } = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', `import { generateX25519Identity } from '${join(repoRoot, 'dist', 'core', 'crypto', 'age', 'index.js')}'; console.log(JSON.stringify(generateX25519Identity()))`], { encoding: 'utf8' }),
  ) as { identity: string; recipient: string };
  const identityFile = join(root, 'identity.txt');
  await writeFile(identityFile, identity + '\n', { mode: 0o600 });
  const context: BenchContext = {
    root,
    vya: join(repoRoot, 'bin', 'run.js'),
    config: join(root, 'vya.yml'),
    startupConfig: join(root, 'startup.yml'),
    identityFile,
    recipient,
    filesRoot: join(root, 'tree', 'files'),
    bigRoot: join(root, 'big', 'dump'),
    tinyRoot: join(root, 'tiny'),
    s3Env: {},
    smallDatabases: sizes.smallDatabases,
  };
  // The repositories of earlier runs are dropped: they were encrypted to an identity now gone.
  for (const repository of ['repo', 'startup-repo', 'baseline-repo']) await rm(join(root, repository), { recursive: true, force: true });
  if (needs.has('postgres')) ensurePostgresBench(sizes, log);
  if (needs.has('mariadb')) ensureMariadbShop(sizes, log);
  if (needs.has('small-dbs')) ensureSmallDatabases(sizes.smallDatabases, log);
  if (needs.has('files-backup') || needs.has('files-restore')) await ensureFiles(context.filesRoot, sizes, log);
  if (needs.has('big-dump')) await ensureBigDump(context.bigRoot, sizes.bigDumpBytes, log);
  await mkdir(context.tinyRoot, { recursive: true });
  await writeFile(join(context.tinyRoot, 'hello.txt'), 'hello\n');
  await writeVyaConfig(context, { smallDbPattern: `${SMALL_DB_PREFIX}*` });
  await writeStartupConfig(context.startupConfig, context, join(root, 'startup-repo'));
  const baseline = needs.has('version') || needs.has('startup') ? ensureBaseline(repoRoot, root, log) : undefined;
  if (baseline) {
    context.baseline = { vya: baseline, startupConfig: join(root, 'baseline-startup.yml') };
    await writeStartupConfig(context.baseline.startupConfig, context, join(root, 'baseline-repo'));
    // That tree aborts a backup into a repository without data/ ("source stalled"), a bug fixed since.
    await mkdir(join(root, 'baseline-repo', 'data'), { recursive: true });
  }
  return context;
}

async function startS3(context: BenchContext): Promise<{ stop: () => Promise<void> }> {
  const { S3rverProcess } = await import('../test/support/s3rver.js');
  const server = new S3rverProcess();
  await server.start(['vya-bench']);
  // An interrupted bench must not leave its S3 server behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.stop().finally(() => process.exit(130)));
  context.s3Env = { ...process.env, AWS_ACCESS_KEY_ID: server.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey };
  await writeVyaConfig(context, { smallDbPattern: `${SMALL_DB_PREFIX}*`, s3Endpoint: server.endpoint });
  return server;
}

/** vya and the reference alternately, `runs` times each; a failure is reported, not fatal. */
function runScenario(scenario: Scenario, context: BenchContext): ScenarioResult {
  const quiet = settle();
  log(`${scenario.id}: ${scenario.title} (load ${loadAverage()}; waited ${quiet.waited} s for ${Math.round(quiet.idle * 100)}% idle CPUs)`);
  const scratch = join(root, 'scratch');
  execFileSync('mkdir', ['-p', scratch]);
  const env = scenario.env?.(context) ?? process.env;
  const result: ScenarioResult = { id: scenario.id, title: scenario.title, target: scenario.target, vya: [], reference: [] };
  try {
    scenario.setup?.(context);
    const timeVya = () => result.vya.push(timeCommand(scenario.vya(context), scratch, env));
    const reference = scenario.hasReference?.(context) === false ? undefined : scenario.reference;
    const timeReference = reference && (() => result.reference.push(timeCommand(reference(context), scratch, env)));
    // The first run of a scenario meets cold caches (the files tree read back from disk after
    // the big dump's creation: 13.1 s against 5.7-6.9 s), and the pairs below start with vya:
    // untimed runs of the reference (of vya where there is none) warm them for both sides.
    for (let i = 0; i < warmups; i++) {
      scenario.prepare?.(context);
      timeCommand((reference ?? scenario.vya)(context), scratch, env);
    }
    for (let i = 0; i < Math.max(runs, scenario.minRuns ?? 0); i++) {
      // Each side goes first every other pair, so that what one run leaves behind (dirty
      // pages, a server's checkpoint) does not always fall on the same side.
      for (const time of i % 2 === 0 ? [timeVya, timeReference] : [timeReference, timeVya]) {
        if (!time) continue;
        scenario.prepare?.(context);
        time();
      }
    }
    result.bytes = scenario.bytes?.(context);
  } catch (error) {
    result.error = (error as Error).message.split('\n').slice(0, 6).join(' | ');
    log(`${scenario.id} failed: ${result.error}`);
  }
  return result;
}

await main();
