import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseJson, runVya, tempDir } from './cli.js';

export interface SinkEndToEnd {
  /** Shown in the test titles, e.g. 'S3 (s3rver)'. */
  title: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * YAML of two sinks, indented for the `sinks:` map: `store`, a working bucket under the
   * prefix `vya/`, and `nobucket`, a bucket that does not exist.
   */
  sinks(): string;
  env?: Record<string, string>;
  /** Names of the objects in the working bucket, when the server can tell. */
  storedNames?(): string[];
}

const psql = (sql: string, database = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();

/**
 * The end-to-end test every object-store sink passes: `vya check` probes the bucket and names
 * a missing one; the files source (age-encrypted) and a PostgreSQL database are backed up
 * into the bucket through the real binary, listed, restored from it exactly, and verified.
 */
export function describeSinkEndToEnd(sink: SinkEndToEnd): void {
  describe(`end to end: files and PostgreSQL backed up to ${sink.title} and restored`, function () {
    this.timeout(300_000);
    const suffix = randomBytes(4).toString('hex');
    const db = `vya_sink_${suffix}`;
    let dir: { path: string; cleanup: () => Promise<void> };
    let config: string;
    const env = () => ({ VYA_STATE_DIR: join(dir.path, 'state'), VYA_SECRET_REPO_PASSWORD: `repo passphrase ${suffix}`, ...sink.env });

    before(async () => {
      await sink.start();
      dir = await tempDir('vya-e2e-sink-');
      await mkdir(join(dir.path, 'files', 'sub'), { recursive: true });
      await writeFile(join(dir.path, 'files', 'sub', 'hello.txt'), 'hello from the bucket\n');
      psql(`CREATE DATABASE ${db}`);
      psql('CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g', db);
      config = join(dir.path, 'vya.yml');
      await writeFile(
        config,
        `secrets: { store: env, env: { type: env } }
sources:
  files: { type: files, paths: [./files] }
  pg: { type: postgres, host: 127.0.0.1, username: postgres, include: [${db}] }
sinks:
${sink.sinks()}
jobs:
  files: { source: files, sink: store, encryption: { passphrase: "secret:repo.password" } }
  pg: { source: pg, sink: store }
`,
      );
    });
    after(async () => {
      psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      psql(`DROP DATABASE IF EXISTS ${db}_back WITH (FORCE)`);
      await sink.stop();
      await dir.cleanup();
    });

    it('check proves write, read, list and delete on the bucket, and names a missing bucket', async () => {
      const result = await runVya(['check', '--config', config, '--json'], { env: env() });
      const checks = parseJson<{ checks: { name: string; ok: boolean; detail: string }[] }>(result).checks;
      for (const step of ['write', 'read', 'list', 'delete']) expect(checks.find((c) => c.name === `sink store: ${step}`)?.ok, step).to.equal(true);
      expect(checks.find((c) => c.name === 'sink nobucket: bucket')).to.deep.include({ ok: false, detail: 'bucket "no-such-bucket" does not exist' });
      expect(result.code).to.equal(1);
      expect(result.stdout + result.stderr).to.not.include(`repo passphrase ${suffix}`);
    });

    it('backs up both jobs into the bucket and restores them from it', async () => {
      const backup = await runVya(['backup', 'files', 'pg', '--config', config], { env: env() });
      expect(backup.code, backup.stderr).to.equal(0);
      if (sink.storedNames) {
        const stored = sink.storedNames();
        expect(stored.some((name) => /^vya\/data\/files\/.+\.tar\.zst\.age$/.test(name)), stored.join(' ')).to.equal(true);
        expect(stored.some((name) => name.startsWith(`vya/snapshots/pg/${db}/`)), stored.join(' ')).to.equal(true);
      }

      const listed = await runVya(['snapshots', '--json', '--config', config], { env: env() });
      // The bucket-less sink cannot be listed: a warning and exit 1, and the rest still listed.
      expect(listed.code).to.equal(1);
      expect(listed.stderr).to.match(/sink nobucket could not be listed: bucket "no-such-bucket" does not exist/);
      const rows = parseJson<{ job: string; unit: string; sink: string }[]>(listed);
      expect(rows.map((r) => `${r.job}/${r.sink}`).sort()).to.deep.equal(['files/store', 'pg/store']);

      const target = join(dir.path, 'restored');
      const filesUnit = rows.find((r) => r.job === 'files')!.unit;
      // A wrong passphrase fails on the object's first bytes, before the target is created.
      const wrong = await runVya(['restore', `files/${filesUnit}@latest`, '--to', target, '--config', config], { env: { ...env(), VYA_SECRET_REPO_PASSWORD: 'not the passphrase' } });
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.match(/passphrase/i);
      expect(await stat(target).then(() => 'exists', () => 'absent')).to.equal('absent');

      const files = await runVya(['restore', `files/${filesUnit}@latest`, '--to', target, '--config', config], { env: env() });
      expect(files.code, files.stderr).to.equal(0);
      expect(await readFile(join(target, 'sub', 'hello.txt'), 'utf8')).to.equal('hello from the bucket\n');

      const pg = await runVya(['restore', `pg/${db}@latest`, '--to', 'pg', '--database', `${db}_back`, '--config', config], { env: env() });
      expect(pg.code, pg.stderr).to.equal(0);
      const checksum = (name: string) => psql("SELECT count(*) || md5(string_agg(id || v, ',' ORDER BY id)) FROM t", name);
      expect(checksum(`${db}_back`)).to.equal(checksum(db));

      const verify = await runVya(['verify', '--all', '--sink', 'store', '--config', config, '--json'], { env: env() });
      expect(verify.code, verify.stderr).to.equal(0);
      const results = parseJson<{ results: { ok: boolean; checked: string }[] }>(verify).results;
      expect(results).to.have.length(2);
      expect(results.every((r) => r.ok && r.checked === 'full')).to.equal(true);
    });
  });
}
