import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINE_COMMIT } from './baseline.js';
import { dropRestoreTargets, MARIADB, MARIADB_DATABASE, PG, PG_DATABASE } from './datasets.js';
import { vyaTime } from './measure.js';
import type { Target } from './targets.js';

/** Paths and keys one bench run works with. */
export interface BenchContext {
  root: string;
  vya: string;
  config: string;
  /** A config with the one-file job alone, for the start-up rows (writeStartupConfig). */
  startupConfig: string;
  /** Issue 16's tree, built (baseline.ts), and the same one-job config with a repository of its own. */
  baseline?: { vya: string; startupConfig: string };
  identityFile: string;
  recipient: string;
  filesRoot: string;
  bigRoot: string;
  tinyRoot: string;
  s3Env: NodeJS.ProcessEnv;
  smallDatabases: number;
}

/**
 * One comparison: `vya` and `reference` run alternately on the same data; `prepare` runs
 * before each timed run, untimed. `bytes` is what MB/s is computed on (the raw stream).
 * Without a reference, only vya's figures are reported (`compareTo` names a second vya
 * command to compare with, for the concurrency case).
 */
export interface Scenario {
  id: string;
  title: string;
  needs: ('postgres' | 'mariadb' | 's3')[];
  vya: (c: BenchContext) => string;
  reference?: (c: BenchContext) => string;
  /** Whether this run has the reference (the baseline build may be missing); default yes. */
  hasReference?: (c: BenchContext) => boolean;
  /** Runs of each side at least, whatever VYA_BENCH_RUNS says: for the cheap, noisy start-up rows. */
  minRuns?: number;
  prepare?: (c: BenchContext) => void;
  /** Untimed set-up once before the scenario's runs (a snapshot to verify, a decrypted file). */
  setup?: (c: BenchContext) => void;
  bytes?: (c: BenchContext) => number;
  env?: (c: BenchContext) => NodeJS.ProcessEnv;
  target?: Target;
}

const pgConn = `-h ${PG.host} -p ${PG.port} -U ${PG.user}`;
const myConn = `-h ${MARIADB.host} -P ${MARIADB.port} -u ${MARIADB.user}`;
const MYSQL_DUMP_OPTIONS = '--single-transaction --quick --routines --triggers --events --hex-blob --default-character-set=utf8mb4 --no-tablespaces --skip-lock-tables';

// Restore and verify name the local sink: the reference reads a local file, and without
// --sink vya would also look in (and load the client of) the S3 sink of the bench's config.
const vyaRun = (c: BenchContext, args: string, config = c.config) => `${vyaTime(`node ${c.vya} ${args} --config ${config}`)} > /dev/null`;
const out = (c: BenchContext) => join(c.root, 'out');
/** The PostgreSQL snapshot decrypted and decompressed by the CLIs, to stdout: the plain dump. */
const plainPgDump = (c: BenchContext) => `age -d -i ${c.identityFile} ${latestObject(c, 'pg')} | zstd -q -dc`;
const vyaRestoreJobs2 = (c: BenchContext) => vyaRun(c, `restore ${latestId(c, 'pg')} --to pg --database vya_bench_restore --jobs 2 --sink repo -i ${c.identityFile}`);
const pgRestoreJobs2 = (dumpFile: string) => `createdb ${pgConn} vya_bench_restore_ref && pg_restore ${pgConn} --no-password --exit-on-error -j2 -d vya_bench_restore_ref ${dumpFile}`;
const sealed = (c: BenchContext, compressor: string) => `${compressor ? `${compressor} | ` : ''}age -r ${c.recipient} | tee ${out(c)} | sha256sum > /dev/null`;

/** The newest stored object of a job in the local repository. */
export function latestObject(c: BenchContext, job: string): string {
  const found = execFileSync('find', [join(c.root, 'repo', 'data', job), '-type', 'f', '-name', '*.age'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').filter(Boolean).sort();
  if (found.length === 0) throw new Error(`no stored object for job ${job}`);
  return found[found.length - 1];
}

function ensureSnapshot(c: BenchContext, job: string): void {
  try {
    latestObject(c, job);
  } catch {
    execFileSync('bash', ['-c', `node ${c.vya} backup ${job} --config ${c.config} > /dev/null`], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

interface SnapshotRow {
  id: string;
  raw_bytes: number;
}

function snapshotsOf(c: BenchContext, job: string): SnapshotRow[] {
  const listed = JSON.parse(execFileSync(process.execPath, [c.vya, 'snapshots', '--job', job, '--json', '--config', c.config], { encoding: 'utf8' })) as SnapshotRow[] | { snapshots: SnapshotRow[] };
  const rows = Array.isArray(listed) ? listed : listed.snapshots;
  return [...rows].sort((a, b) => a.id.localeCompare(b.id));
}

/** The id of a job's newest snapshot (file units have slashes in their names, so no JOB/UNIT@latest). */
const latestId = (c: BenchContext, job: string) => snapshotsOf(c, job).at(-1)?.id ?? '';
const dumpBytes = (c: BenchContext, job: string) => snapshotsOf(c, job).at(-1)?.raw_bytes ?? 0;
const treeBytes = (path: string) => Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);

/** A start-up takes 0.1-0.7 s and varies by tens of ms from run to run on a shared VM. */
const START_UP_RUNS = 15;

/**
 * Issue 16: "stay where they are (0.16 s / 0.32 s) or better", seconds of the machine it was
 * measured on: here, no slower than issue 16's tree on this machine; the absolute figure where
 * that tree could not be built.
 */
const startUpTarget = (seconds: number): Target => ({
  text: `wall ≤ issue 16's tree (ratio ≤ 1.00); without it ≤ ${seconds.toFixed(2)} s`,
  wallRatio: 1,
  wallS: seconds,
});

export const SCENARIOS: Scenario[] = [
  {
    id: 'pg-backup',
    title: 'PostgreSQL backup, zstd-3 + age, local',
    needs: ['postgres'],
    vya: (c) => vyaRun(c, 'backup pg'),
    reference: (c) => `pg_dump ${pgConn} -Fc -Z0 ${PG_DATABASE} | ${sealed(c, 'zstd -q -3 -T2')}`,
    bytes: (c) => dumpBytes(c, 'pg'),
    target: { text: 'ratio ≤ 1.10, vya RSS ≤ 150 MiB', wallRatio: 1.1, cpuRatio: 1.1, rssMiB: 150 },
  },
  {
    id: 'mariadb-backup',
    title: 'MariaDB backup, zstd-3 + age, local',
    needs: ['mariadb'],
    vya: (c) => vyaRun(c, 'backup my'),
    reference: (c) => `mariadb-dump ${myConn} ${MYSQL_DUMP_OPTIONS} ${MARIADB_DATABASE} | ${sealed(c, 'zstd -q -3 -T2')}`,
    bytes: (c) => dumpBytes(c, 'my'),
    target: { text: 'ratio ≤ 1.10', wallRatio: 1.1, cpuRatio: 1.1 },
  },
  {
    id: 'pg-backup-s3',
    title: 'PostgreSQL backup to S3 (s3rver), zstd-3 + age; reference to a local file',
    needs: ['postgres', 's3'],
    vya: (c) => vyaRun(c, 'backup pg-s3'),
    reference: (c) => `pg_dump ${pgConn} -Fc -Z0 ${PG_DATABASE} | ${sealed(c, 'zstd -q -3 -T2')}`,
    env: (c) => c.s3Env,
    bytes: (c) => dumpBytes(c, 'pg'),
  },
  {
    id: 'mariadb-backup-s3',
    title: 'MariaDB backup to S3 (s3rver), zstd-3 + age; reference to a local file',
    needs: ['mariadb', 's3'],
    vya: (c) => vyaRun(c, 'backup my-s3'),
    reference: (c) => `mariadb-dump ${myConn} ${MYSQL_DUMP_OPTIONS} ${MARIADB_DATABASE} | ${sealed(c, 'zstd -q -3 -T2')}`,
    env: (c) => c.s3Env,
    bytes: (c) => dumpBytes(c, 'my'),
  },
  {
    id: 'pg-backup-gzip',
    title: 'PostgreSQL backup, gzip-6 + age',
    needs: ['postgres'],
    vya: (c) => vyaRun(c, 'backup pg-gzip'),
    reference: (c) => `pg_dump ${pgConn} -Fc -Z0 ${PG_DATABASE} | ${sealed(c, 'gzip -6')}`,
    bytes: (c) => dumpBytes(c, 'pg'),
  },
  {
    id: 'pg-backup-none',
    title: 'PostgreSQL backup, no compression, age',
    needs: ['postgres'],
    vya: (c) => vyaRun(c, 'backup pg-none'),
    reference: (c) => `pg_dump ${pgConn} -Fc -Z0 ${PG_DATABASE} | ${sealed(c, '')}`,
    bytes: (c) => dumpBytes(c, 'pg'),
  },
  {
    id: 'files-backup',
    title: 'files backup (many small + a few large files) vs tar | zstd -3 -T2 | age',
    needs: [],
    vya: (c) => vyaRun(c, 'backup files'),
    reference: (c) => `tar -cf - -C ${c.filesRoot} . | ${sealed(c, 'zstd -q -3 -T2')}`,
    bytes: (c) => treeBytes(c.filesRoot),
    target: { text: 'ratio ≤ 1.10', wallRatio: 1.1, cpuRatio: 1.1 },
  },
  {
    id: 'pg-verify',
    title: 'verify the PostgreSQL snapshot vs age -d | zstd -d | sha256sum',
    needs: ['postgres'],
    setup: (c) => ensureSnapshot(c, 'pg'),
    vya: (c) => vyaRun(c, `verify ${latestId(c, 'pg')} --sink repo -i ${c.identityFile}`),
    reference: (c) => `age -d -i ${c.identityFile} ${latestObject(c, 'pg')} | zstd -q -d | sha256sum > /dev/null`,
    bytes: (c) => dumpBytes(c, 'pg'),
    target: { text: 'ratio ≤ 1.10', wallRatio: 1.1, cpuRatio: 1.1 },
  },
  {
    id: 'pg-restore',
    title: 'PostgreSQL restore, streamed, vs age -d | zstd -dc | pg_restore --single-transaction',
    needs: ['postgres'],
    setup: (c) => ensureSnapshot(c, 'pg'),
    prepare: () => dropRestoreTargets(),
    vya: (c) => vyaRun(c, `restore ${latestId(c, 'pg')} --to pg --database vya_bench_restore --sink repo -i ${c.identityFile}`),
    reference: (c) =>
      `createdb ${pgConn} vya_bench_restore_ref && ${plainPgDump(c)} | pg_restore ${pgConn} --no-password --exit-on-error --single-transaction -d vya_bench_restore_ref`,
    bytes: (c) => dumpBytes(c, 'pg'),
    target: { text: 'ratio ≤ 1.10, vya RSS ≤ 150 MiB', wallRatio: 1.1, cpuRatio: 1.1, rssMiB: 150 },
  },
  {
    id: 'pg-restore-jobs2',
    title: 'PostgreSQL restore --jobs 2 vs pg_restore -j2 from a local decrypted file',
    needs: ['postgres'],
    setup: (c) => {
      ensureSnapshot(c, 'pg');
      execFileSync('bash', ['-o', 'pipefail', '-c', `${plainPgDump(c)} > ${join(c.root, 'plain.dump')}`]);
    },
    prepare: () => dropRestoreTargets(),
    vya: vyaRestoreJobs2,
    reference: (c) => pgRestoreJobs2(join(c.root, 'plain.dump')),
    bytes: (c) => dumpBytes(c, 'pg'),
    target: { text: 'ratio ≤ 1.15', wallRatio: 1.15, cpuRatio: 1.15 },
  },
  {
    // The same restore against a reference that does the same work: issue 16's reference
    // above starts from a file that is already decrypted and decompressed.
    id: 'pg-restore-jobs2-decrypting',
    title: 'PostgreSQL restore --jobs 2 vs age -d | zstd -dc > file && pg_restore -j2 file',
    needs: ['postgres'],
    setup: (c) => ensureSnapshot(c, 'pg'),
    prepare: () => dropRestoreTargets(),
    vya: vyaRestoreJobs2,
    reference: (c) => `${plainPgDump(c)} > ${join(c.root, 'decrypted.dump')} && ${pgRestoreJobs2(join(c.root, 'decrypted.dump'))}`,
    bytes: (c) => dumpBytes(c, 'pg'),
  },
  {
    id: 'files-restore',
    title: 'files restore vs age -d | zstd -d | tar -x',
    needs: [],
    setup: (c) => ensureSnapshot(c, 'files'),
    prepare: (c) => rmSync(join(c.root, 'restored'), { recursive: true, force: true }),
    vya: (c) => vyaRun(c, `restore ${latestId(c, 'files')} --to ${join(c.root, 'restored')} --sink repo -i ${c.identityFile}`),
    reference: (c) => `mkdir -p ${join(c.root, 'restored')} && age -d -i ${c.identityFile} ${latestObject(c, 'files')} | zstd -q -d | tar -x -C ${join(c.root, 'restored')}`,
    bytes: (c) => treeBytes(c.filesRoot),
  },
  {
    id: 'small-dbs',
    title: 'small PostgreSQL databases, job concurrency 4 (vya) vs concurrency 1 (reference column)',
    needs: ['postgres'],
    vya: (c) => vyaRun(c, 'backup small4'),
    reference: (c) => vyaRun(c, 'backup small1'),
    target: { text: 'concurrency 1 / concurrency 4 ≥ 2 (wall ratio ≤ 0.5)', wallRatio: 0.5 },
  },
  {
    id: 'big-dump',
    title: 'one large dump-like file (memory must not grow) vs tar | zstd -3 -T2 | age',
    needs: [],
    vya: (c) => vyaRun(c, 'backup big'),
    reference: (c) => `tar -cf - -C ${c.bigRoot} . | ${sealed(c, 'zstd -q -3 -T2')}`,
    bytes: (c) => treeBytes(c.bigRoot),
    target: { text: 'vya RSS ≤ 150 MiB', rssMiB: 150 },
  },
  {
    id: 'version',
    title: `vya --version; reference: the same of issue 16's tree (${BASELINE_COMMIT.slice(0, 7)})`,
    needs: [],
    minRuns: START_UP_RUNS,
    vya: (c) => `${vyaTime(`node ${c.vya} --version`)} > /dev/null`,
    reference: (c) => `node ${c.baseline?.vya} --version > /dev/null`,
    hasReference: (c) => c.baseline !== undefined,
    target: startUpTarget(0.16),
  },
  {
    // No target: what starting Node alone costs on this machine, to read version and startup by.
    id: 'node-start',
    title: 'node -e 0 (the floor under every start-up figure on this machine)',
    needs: [],
    minRuns: START_UP_RUNS,
    vya: () => `${vyaTime('node -e 0')} > /dev/null`,
  },
  {
    id: 'startup',
    title: `backup start-up: a one-file tree, zstd + age, local; reference: the same of issue 16's tree (${BASELINE_COMMIT.slice(0, 7)})`,
    needs: [],
    minRuns: START_UP_RUNS,
    vya: (c) => vyaRun(c, 'backup tiny', c.startupConfig),
    reference: (c) => `node ${c.baseline?.vya} backup tiny --config ${c.baseline?.startupConfig} > /dev/null`,
    hasReference: (c) => c.baseline !== undefined,
    target: startUpTarget(0.32),
  },
];
