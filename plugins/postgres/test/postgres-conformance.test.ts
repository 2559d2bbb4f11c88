import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { runSourceSuite, testPluginContext } from '@vya/testing';
import { postgresSourceDefinition } from '../src/register.js';

const psql = (sql: string, database = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();

const context = testPluginContext('pg');

// The source conformance suite against the real PostgreSQL server: one database with a small
// table, each unit restored under another name beside it and read back.
describe('postgres against the real server', () => {
  const database = `suites_pg_${randomBytes(4).toString('hex')}`;
  const restored: string[] = [];

  before(() => {
    psql(`CREATE DATABASE ${database}`);
    psql("CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL); INSERT INTO items VALUES (1, 'first'), (2, 'zweite ü')", database);
  });
  after(() => {
    for (const name of [database, ...restored]) psql(`DROP DATABASE IF EXISTS ${name}`);
  });

  runSourceSuite({
    name: 'postgres',
    checkOk: true,
    create: async () => postgresSourceDefinition.create({ host: '127.0.0.1', username: 'postgres', include: [database] }, context),
    restore: {
      async options(unit) {
        const name = `${unit.name}_r${restored.length}`;
        restored.push(name);
        return { database: name };
      },
      async verify(_unit, options) {
        expect(psql('SELECT id, name FROM items ORDER BY id', options.database)).to.equal('1|first\n2|zweite ü');
      },
    },
  });
});
