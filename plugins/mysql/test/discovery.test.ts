import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { testPluginContext } from '@vya/testing';
import { mysqlSourceDefinition } from '../src/register.js';

const context = testPluginContext('my', '/tmp');
const sql = (statement: string) => execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '-e', statement]);

describe('mysql source: discovery', function () {
  this.timeout(60_000);
  const prefix = `vya_myd_${randomBytes(3).toString('hex')}`;
  const names = [`${prefix}_shop`, `${prefix}_crm`, `${prefix}_tmp`];
  before(() => names.forEach((name) => sql(`CREATE DATABASE ${name}`)));
  after(() => names.forEach((name) => sql(`DROP DATABASE IF EXISTS ${name}`)));

  async function discover(config: Record<string, unknown>): Promise<string[]> {
    const source = await mysqlSourceDefinition.create({ host: '127.0.0.1', username: 'root', ...config }, context);
    return (await source.discover()).map((unit) => unit.name);
  }

  it('skips information_schema, performance_schema, sys and mysql unless asked', async () => {
    const all = await discover({});
    expect(all).to.not.include.members(['information_schema', 'performance_schema', 'sys', 'mysql']);
    expect(await discover({ include_mysql_schema: true })).to.include('mysql');
  });

  it('applies include/exclude globs and the legacy db_ignore list', async () => {
    expect(await discover({ include: [`${prefix}_*`], exclude: ['*_tmp'] })).to.deep.equal([`${prefix}_crm`, `${prefix}_shop`]);
    expect(await discover({ include: [`${prefix}_*`], db_ignore: `${prefix}_crm,${prefix}_tmp` })).to.deep.equal([`${prefix}_shop`]);
  });

  it('adds the users unit, and refuses an unknown literal include', async () => {
    expect(await discover({ include: [`${prefix}_shop`], users: true })).to.deep.equal([`${prefix}_shop`, 'users']);
    const error = await discover({ include: [`${prefix}_nope`] }).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.equal(`database in include not found on the server: ${prefix}_nope`);
  });
});
