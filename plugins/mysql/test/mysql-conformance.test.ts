import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { runSourceSuite, testPluginContext } from '@vya/testing';
import { mariadbSourceDefinition } from '../src/register.js';

const sql = (statement: string, database?: string) =>
  execFileSync('mariadb', ['-h', '127.0.0.1', '-uroot', '--default-character-set=utf8mb4', '-N', '-B', ...(database ? [database] : []), '-e', statement], { encoding: 'utf8' }).trim();

const context = testPluginContext('my');

// The source conformance suite against the real MariaDB server: one database with a small
// table, each unit restored under another name beside it and read back.
describe('mysql against the real MariaDB server', () => {
  const database = `suites_my_${randomBytes(4).toString('hex')}`;
  const restored: string[] = [];

  before(() => {
    sql(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
    sql("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL); INSERT INTO items VALUES (1, 'first'), (2, 'zweite ü')", database);
  });
  after(() => {
    for (const name of [database, ...restored]) sql(`DROP DATABASE IF EXISTS ${name}`);
  });

  runSourceSuite({
    name: 'mysql',
    checkOk: true,
    create: async () => mariadbSourceDefinition.create({ host: '127.0.0.1', username: 'root', include: [database] }, context),
    restore: {
      async options(unit) {
        const name = `${unit.name}_r${restored.length}`;
        restored.push(name);
        return { database: name };
      },
      async verify(_unit, options) {
        expect(sql('SELECT id, name FROM items ORDER BY id', options.database)).to.equal('1\tfirst\n2\tzweite ü');
      },
    },
  });
});
