import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { testPluginContext } from '@vya/testing';
import { postgresSourceDefinition } from '../src/register.js';
import { versionGap } from '../src/tools.js';
import type { PostgresSource } from '../src/postgres-source.js';

const context = testPluginContext('pg', '/tmp');
const psql = (sql: string) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-qAtc', sql], { encoding: 'utf8' });

describe('postgres source: discovery and versions', function () {
  this.timeout(60_000);
  const prefix = `vya_disc_${randomBytes(3).toString('hex')}`;
  const names = [`${prefix}_shop`, `${prefix}_shop_archive`, `${prefix}_crm`, `${prefix}_tmp`];

  before(() => names.forEach((name) => psql(`CREATE DATABASE ${name}`)));
  after(() => names.forEach((name) => psql(`DROP DATABASE IF EXISTS ${name}`)));

  async function discover(config: Record<string, unknown>): Promise<string[]> {
    const source = (await postgresSourceDefinition.create({ host: '127.0.0.1', username: 'postgres', ...config }, context)) as PostgresSource;
    return (await source.discover()).map((unit) => unit.name).filter((name) => name.startsWith(prefix) || name === 'globals');
  }

  it('skips templates and applies include and exclude globs', async () => {
    expect(await discover({ include: [`${prefix}_*`], exclude: ['*_archive', '*_tmp'] })).to.deep.equal([`${prefix}_crm`, `${prefix}_shop`]);
    expect((await discover({})).length).to.equal(4);
    const all = await (await postgresSourceDefinition.create({ host: '127.0.0.1', username: 'postgres' }, context)).discover();
    expect(all.map((u) => u.name)).to.not.include.members(['template0', 'template1']);
  });

  it("honours the legacy tool's db_ignore, as a comma list or a list", async () => {
    expect(await discover({ include: [`${prefix}_*`], db_ignore: `${prefix}_tmp, ${prefix}_crm` })).to.deep.equal([`${prefix}_shop`, `${prefix}_shop_archive`]);
    expect(await discover({ include: [`${prefix}_*`], db_ignore: [`${prefix}_shop`] })).to.deep.equal([`${prefix}_crm`, `${prefix}_shop_archive`, `${prefix}_tmp`]);
  });

  it('adds the globals unit when asked', async () => {
    expect(await discover({ include: [`${prefix}_crm`], globals: true })).to.deep.equal([`${prefix}_crm`, 'globals']);
  });

  it('names the version gap when pg_dump is older than the server', () => {
    expect(versionGap('pg_dump', 15, 16)?.message).to.equal('pg_dump 15 is older than the server (PostgreSQL 16)');
    expect(versionGap('pg_dump', 15, 16)?.hint).to.match(/postgresql-client-16/);
    expect(versionGap('pg_dump', 16, 15)).to.equal(undefined);
  });
});
