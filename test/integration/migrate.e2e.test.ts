import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import { LocalMailServer } from '../support/mail-server.js';
import { pythonWithCryptography } from '../support/python.js';
import { parseJson, runVya, tempDir } from '../support/cli.js';

const makeLegacyVault = fileURLToPath(new URL('../../plugins/vault-file/test/make-legacy-vault.py', import.meta.url));
const mariadb = (sql: string) => execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '-e', sql]);

describe('end to end: vya migrate from the Python tool', function () {
  this.timeout(180_000);
  const mail = new LocalMailServer();
  const suffix = randomBytes(3).toString('hex');
  const mysqlUser = `vya_legacy_${suffix}`;
  let dir: { path: string; cleanup: () => Promise<void> };
  let legacyFile: string;
  let vaultFile: string;
  let env: Record<string, string>;

  before(async () => {
    await mail.start();
    mariadb(`CREATE USER '${mysqlUser}'@'%' IDENTIFIED BY 'legacy-mysql-pw'; GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, PROCESS ON *.* TO '${mysqlUser}'@'%'`);
    dir = await tempDir('vya-e2e-migrate-');
    env = { VYA_CONFIG_HOME: join(dir.path, 'config-home'), VYA_STATE_DIR: join(dir.path, 'state'), VYA_VAULT_KEY: '' };
    await mkdir(join(dir.path, 'uploads', 'img'), { recursive: true });
    await writeFile(join(dir.path, 'uploads', 'img', 'a.png'), 'png');
    await writeFile(join(dir.path, 'ca.pem'), mail.certificate);
    legacyFile = join(dir.path, 'vya_backupbd.json');
    await writeFile(
      legacyFile,
      JSON.stringify(
        {
          log_settings: { console_loglevel: 'INFO', file_loglevel: 'DEBUG' },
          production: { enable: true, global_function_path: '/opt/vya', path_log: '/var/log/vya' },
          schedule_settings: { enabled: true, days_of_week: [1, 2, 3, 4, 5, 7], time: '02:30', timezone: 'America/Sao_Paulo' },
          prometheus_settings: { enabled: true, url: 'http://127.0.0.1:9091', job_name: 'vya_backupdb', timeout: 5 },
          email_settings: {
            enabled: true,
            smtp_host: '127.0.0.1',
            smtp_port: mail.port,
            smtp_user: mail.username,
            smtp_password: mail.password,
            use_ssl: false,
            use_tls: true,
            from_email: 'backup@example.com',
            success_recipients: ['dba@example.com'],
            failure_recipients: ['ops@example.com', 'dba@example.com'],
            test_mode: false,
          },
          bkp_system: { path_sql: join(dir.path, 'sql'), path_zip: join(dir.path, 'zip'), path_files: join(dir.path, 'files'), retention_files: 14 },
          db_config: [
            { id_dbms: 1, dbms: 'mysql', host: '127.0.0.1', port: 3306, user: mysqlUser, secret: 'legacy-mysql-pw', db_ignore: 'information_schema,performance_schema,sys,scratch', database: [], enabled: true },
            { id_dbms: 2, dbms: 'postgresql', host: '127.0.0.1', port: 5432, user: 'postgres', secret: 'pg-clear-text-ü', db_ignore: ['template_x'], database: ['postgres'], enabled: true },
            { id_dbms: 3, dbms: 'files', db_list: [`${join(dir.path, 'uploads')}/**/*`], enabled: true },
            { id_dbms: 4, dbms: 'mysql', host: '127.0.0.1', port: 1, user: 'old', secret: 'retired-secret', enabled: false },
          ],
        },
        null,
        2,
      ),
    );
    // The old vault holds the same mysql-1 credential, an extra one, and a conflicting postgresql-2.
    vaultFile = join(dir.path, 'vault.json.enc');
    execFileSync(pythonWithCryptography(), [makeLegacyVault, vaultFile, 'legacy-host'], {
      input: JSON.stringify({
        'mysql-1': { username: mysqlUser, password: 'legacy-mysql-pw', description: 'MySQL prod' },
        'postgresql-2': { username: 'postgres', password: 'vault-wins-ü', description: 'PostgreSQL' },
        'smtp-relay': { username: 'relay', password: 'relay-secret', description: 'old relay' },
      }),
    });
  });

  after(async () => {
    mariadb(`DROP USER IF EXISTS '${mysqlUser}'@'%'`);
    await mail.stop();
    await dir.cleanup();
  });

  it('--dry-run prints the config and what would move, and writes nothing', async () => {
    const result = await runVya(['migrate', legacyFile, '--dry-run', '--out', join(dir.path, 'vya.yml')], { env });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^secret mysql-1: would store$/m);
    expect(result.stdout).to.not.include('pg-clear-text');
    const missing = await readFile(join(dir.path, 'vya.yml'), 'utf8').catch(() => 'missing');
    expect(missing).to.equal('missing');
  });

  it('writes a config with only secret references, moves passwords to the vault and imports the old vault', async () => {
    const result = await runVya(['migrate', legacyFile, '--out', join(dir.path, 'vya.yml'), '--vault-file', vaultFile, '--vault-hostname', 'legacy-host', '--json'], { env });
    expect(result.code, result.stderr).to.equal(0);
    const report = parseJson<{ config: { action: string }; secrets: { name: string; action: string }[]; notes: string[] }>(result);
    expect(report.config.action).to.equal('written');
    expect(report.secrets.map((s) => `${s.name}:${s.action}`).sort()).to.deep.equal(
      ['mysql-1:imported', 'mysql-4:stored', 'postgresql-2:conflict: kept the vault\'s', 'postgresql-2:imported', 'smtp-127.0.0.1:stored', 'smtp-relay:imported'].sort(),
    );
    expect(report.notes).to.deep.equal(['mysql-4: disabled in the legacy config: not migrated (its credential is in the vault)']);
    const text = await readFile(join(dir.path, 'vya.yml'), 'utf8');
    for (const clear of ['legacy-mysql-pw', 'pg-clear-text', mail.password, 'retired-secret']) expect(text).to.not.include(clear);
    const config = parse(text) as Record<string, Record<string, Record<string, unknown>>>;
    expect(config.sources['mysql-1']).to.deep.include({ type: 'mysql', password: 'secret:mysql-1.password', exclude: ['scratch'] });
    expect(config.sources['postgresql-2']).to.deep.include({ type: 'postgres', include: ['postgres'], exclude: ['template_x'] });
    expect(config.sources['files-3']).to.deep.equal({ type: 'files', paths: [join(dir.path, 'uploads')] });
    expect(config.jobs['mysql-1']).to.deep.include({ retention: { keep_within: '14d' }, schedule: { cron: '30 2 * * 0,1,2,3,4,5', timezone: 'America/Sao_Paulo' }, notify: ['email'], prune: true });
    expect(config.jobs['mysql-4']).to.equal(undefined);
    expect(config.sources['mysql-4']).to.equal(undefined);
    expect(config.notifiers.email).to.deep.include({ type: 'smtp', starttls: true, on_failure: ['ops@example.com', 'dba@example.com'] });
    expect(config.metrics).to.deep.equal({ pushgateway: { url: 'http://127.0.0.1:9091', job: 'vya_backupdb', timeout_seconds: 5 } });
    const pg = parseJson<{ password: string }>(await runVya(['secrets', 'get', 'postgresql-2', '--show-password', '--json'], { env }));
    expect(pg.password).to.equal('vault-wins-ü');
  });

  it('vya check accepts the migrated config: every secret resolves, every source and sink answers', async () => {
    const config = join(dir.path, 'vya.yml');
    // The legacy mail relay used a self-signed certificate: trust it, as an operator would.
    await writeFile(config, (await readFile(config, 'utf8')).replace(/(\n {4}starttls: true)/, `$1\n    tls_ca: ${join(dir.path, 'ca.pem')}`));
    const result = await runVya(['check', '--config', config], { env });
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/ok {4}source mysql-1: server: MariaDB/);
    expect(result.stdout).to.match(/ok {4}notifier email: smtp: 127\.0\.0\.1:\d+ accepts the connection and the login/);
  });

  it('running it again changes nothing', async () => {
    const again = await runVya(['migrate', legacyFile, '--out', join(dir.path, 'vya2.yml'), '--vault-file', vaultFile, '--vault-hostname', 'legacy-host', '--json'], { env });
    const report = parseJson<{ config: { action: string }; secrets: { action: string }[] }>(again);
    expect(report.secrets.every((s) => s.action === 'unchanged' || s.action.startsWith('conflict'))).to.equal(true);
    const third = await runVya(['migrate', legacyFile, '--out', join(dir.path, 'vya2.yml'), '--json'], { env });
    expect(parseJson<{ config: { action: string } }>(third).config.action).to.equal('unchanged');
  });

  it('a malformed legacy JSON fails with file and position; an unknown dbms is named', async () => {
    const broken = join(dir.path, 'broken.json');
    await writeFile(broken, '{\n  "db_config": [\n    { "id_dbms": 1, "dbms": "mysql", }\n  ]\n}\n');
    const result = await runVya(['migrate', broken, '--dry-run'], { env });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/broken\.json:\d+:\d+: not valid JSON/);
    const oracle = join(dir.path, 'oracle.json');
    await writeFile(oracle, JSON.stringify({ db_config: [{ id_dbms: 9, dbms: 'oracle' }] }));
    const unknown = await runVya(['migrate', oracle, '--dry-run'], { env });
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/db_config entry 9: unknown dbms "oracle"/);
  });
});
