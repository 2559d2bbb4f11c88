/**
 * `npm run bench`: vya against the shell pipelines it replaces, on this machine.
 * Each case runs a few times; the median wall time is compared. Not a test: numbers only.
 *
 *   VYA_BENCH_MB=1024 npm run bench        (default 512 MiB of dump-like data)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDumpLikeFile } from './dump-like-data.js';

const megabytes = Number(process.env.VYA_BENCH_MB ?? 512);
const runs = Number(process.env.VYA_BENCH_RUNS ?? 3);
const root = join(tmpdir(), `vya-bench-${process.pid}`);
const vya = join(import.meta.dirname, '..', 'bin', 'run.js');

interface Case {
  name: string;
  reference: string;
  vya: string[];
  prepare?: () => void;
}

function timeShell(command: string, prepare?: () => void): number {
  prepare?.();
  const start = process.hrtime.bigint();
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`failed: ${command}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function postgresAvailable(): boolean {
  const plugins = spawnSync(process.execPath, [vya, 'plugins', '--core'], { encoding: 'utf8' }).stdout ?? '';
  if (!plugins.includes('@vya/plugin-postgres')) return false;
  return spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-Atc', 'select 1'], { stdio: 'ignore' }).status === 0;
}

async function preparePostgres(mb: number): Promise<string | undefined> {
  if (!postgresAvailable()) return undefined;
  const db = 'vya_bench';
  const psql = (sql: string, database = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
  psql(`drop database if exists ${db}`);
  psql(`create database ${db}`);
  const rows = Math.round((mb * 1024 * 1024) / 120);
  psql(
    `create table events as select g as id, md5(g::text) || ' ' || repeat(chr(97 + g % 26), 1 + g % 40) as body, (g * 1.5)::numeric(12,2) as amount, now() - g * interval '1 second' as at from generate_series(1, ${rows}) g`,
    db,
  );
  return db;
}

async function main(): Promise<void> {
  await mkdir(root, { recursive: true });
  const { identity, recipient } = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `import { generateX25519Identity } from '${join(import.meta.dirname, '..', 'dist', 'core', 'crypto', 'age', 'index.js')}'; console.log(JSON.stringify(generateX25519Identity()))`]).toString());
  await writeFile(join(root, 'identity.txt'), identity + '\n', { mode: 0o600 });
  await mkdir(join(root, 'files'));
  process.stderr.write(`generating ${megabytes} MiB of dump-like data...\n`);
  await writeDumpLikeFile(join(root, 'files', 'dump.sql'), megabytes * 1024 * 1024);
  const pgDb = await preparePostgres(megabytes);
  const config = join(root, 'vya.yml');
  await writeFile(
    config,
    `sources:
  files: { type: files, paths: [${join(root, 'files')}] }
${pgDb ? `  pg: { type: postgres, host: 127.0.0.1, port: 5432, username: postgres, include: [${pgDb}] }\n` : ''}sinks:
  repo: { type: local, path: ${join(root, 'repo')} }
jobs:
  files: { source: files, sink: repo, compression: { algorithm: zstd, level: 3 }, encryption: { recipients: [${recipient}] } }
${pgDb ? `  pg: { source: pg, sink: repo, compression: { algorithm: zstd, level: 3 }, encryption: { recipients: [${recipient}] } }\n` : ''}`,
  );
  const clean = () => execFileSync('rm', ['-rf', join(root, 'repo'), join(root, 'out.age')]);
  const cases: Case[] = [
    {
      name: `files backup (${megabytes} MiB): tar | zstd -3 -T2 | age`,
      reference: `tar -cf - -C ${join(root, 'files')} . | zstd -q -3 -T2 | age -r ${recipient} > ${join(root, 'out.age')}`,
      vya: ['backup', 'files'],
      prepare: clean,
    },
  ];
  if (pgDb) {
    cases.push({
      name: `postgres backup (~${megabytes} MiB table): pg_dump -Fc -Z0 | zstd -3 -T2 | age`,
      reference: `pg_dump -h 127.0.0.1 -U postgres -Fc -Z0 ${pgDb} | zstd -q -3 -T2 | age -r ${recipient} > ${join(root, 'out.age')}`,
      vya: ['backup', 'pg'],
      prepare: clean,
    });
  } else process.stderr.write('PostgreSQL (or @vya/plugin-postgres) not available: skipping the postgres case\n');
  const rows: string[][] = [];
  for (const c of cases) {
    const reference = median(Array.from({ length: runs }, () => timeShell(c.reference, c.prepare)));
    const ours = median(Array.from({ length: runs }, () => timeShell(`node ${vya} ${c.vya.join(' ')} --config ${config} > /dev/null`, c.prepare)));
    rows.push([c.name, reference.toFixed(2), ours.toFixed(2), (ours / reference).toFixed(3)]);
  }
  // Restore direction: decrypt + decompress of what vya stored, vs the CLIs on the same object.
  timeShell(`node ${vya} backup files --config ${config} > /dev/null`, clean);
  const stored = execFileSync('find', [join(root, 'repo', 'data'), '-name', '*.age', '-type', 'f']).toString().trim().split('\n')[0];
  const reference = median(Array.from({ length: runs }, () => timeShell(`age -d -i ${join(root, 'identity.txt')} ${stored} | zstd -q -d > /dev/null`)));
  const ours = median(Array.from({ length: runs }, () => timeShell(`node ${vya} verify --all --job files -i ${join(root, 'identity.txt')} --config ${config} > /dev/null`)));
  rows.push([`verify (sha256 + age -d + zstd -d)`, reference.toFixed(2), ours.toFixed(2), (ours / reference).toFixed(3)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['case', 'shell s', 'vya s', 'ratio'], ...rows].map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(line(['case', 'shell s', 'vya s', 'ratio']));
  for (const row of rows) console.log(line(row));
  console.log(`(median of ${runs} runs; ratio = vya / shell; vya's time includes Node start-up and plugin loading)`);
  if (pgDb) execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-qc', `drop database if exists ${pgDb}`]);
  await rm(root, { recursive: true, force: true });
}

await main();
