import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { testPluginContext } from '@vya/testing';
import type { UnitMetadata } from '@vya/plugin-api';
import { mysqlSourceDefinition } from '../src/register.js';
import { openCountingSnapshot } from '../src/snapshot-counts.js';

const fixture = readFileSync(fileURLToPath(new URL('./fixture.sql', import.meta.url)), 'utf8');
const connection = { host: '127.0.0.1', port: 3306, username: 'root' };

function sql(statement: string, database?: string, input?: string | Buffer): string {
  const args = ['-h', '127.0.0.1', '-uroot', '--default-character-set=utf8mb4', '--binary-mode', '-N', '-B', ...(database ? [database] : []), ...(input === undefined ? ['-e', statement] : [])];
  return execFileSync('mariadb', args, { encoding: 'utf8', input, maxBuffer: 1024 * 1024 * 1024 }).trim();
}

const countOf = (table: string, database: string) => Number(sql(`SELECT COUNT(*) FROM \`${table.replace(/`/g, '``')}\``, database));

const NOISE = ["'", '"', '`', '\\', '(', ')', ',', ';', '-', '-- ', '#', '/*', '*/', '\n', '\r', '\t', ' ', 'VALUES', 'INSERT INTO `t` VALUES (', 'DELIMITER ;;', 'é', '☕'];

/** `count` rows of text and bytes made of NOISE pieces, as SQL tuples (hex literals, so the generator needs no escaping). */
function noiseRows(count: number): string[] {
  let seed = 20261127;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const piece = () => NOISE[next() % NOISE.length];
  return Array.from({ length: count }, (_, id) => {
    const text = Array.from({ length: next() % 12 }, piece).join('');
    const bytes = Buffer.from(Array.from({ length: next() % 6 }, piece).join(''), 'utf8');
    return `(${id}, ${text ? `X'${Buffer.from(text, 'utf8').toString('hex')}'` : "''"}, ${bytes.length ? `X'${bytes.toString('hex')}'` : 'NULL'})`;
  });
}

interface RecordedTable {
  name: string;
  rows: number;
}

/** The source's own backup of a database: the dump's bytes and the facts the manifest records. */
async function backUp(database: string): Promise<{ dump: Buffer; metadata: UnitMetadata }> {
  const source = await mysqlSourceDefinition.create({ host: '127.0.0.1', username: 'root' }, testPluginContext('my'));
  const output = await source.backup({ name: database, kind: 'database' }, new AbortController().signal);
  const chunks: Buffer[] = [];
  for await (const chunk of output.data) chunks.push(chunk as Buffer);
  return { dump: Buffer.concat(chunks), metadata: await output.completed };
}

describe('mysql source: row counts recorded from the dump itself (MariaDB)', function () {
  this.timeout(180_000);
  const suffix = randomBytes(4).toString('hex');
  const db = `vya_rc_${suffix}`;
  const loaded = `${db}_loaded`;

  before(() => {
    sql(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
    sql('', db, fixture);
    sql(
      [
        'CREATE TABLE awkward (id INT PRIMARY KEY, s TEXT, b BLOB, j JSON) ENGINE=InnoDB',
        "INSERT INTO awkward VALUES (1, 'a),(b', NULL, '{\"k\": \"),(\"}'), (2, 'it''s; -- not a comment', UNHEX('2728292C3B5C'), NULL), (3, CONCAT('ends in a backslash ', CHAR(92)), NULL, NULL), (4, CONCAT('line', CHAR(10), 'break /* x */ # y'), UNHEX('00'), '[]')",
        'INSERT INTO awkward SELECT seq + 10, REPEAT(\'),(\\\\\\\'\', seq % 7), NULL, NULL FROM seq_1_to_3000',
        'CREATE TABLE `we``ird; VALUES (` (id INT) ENGINE=InnoDB',
        'INSERT INTO `we``ird; VALUES (` VALUES (1), (2)',
        'CREATE TABLE nothing (id INT) ENGINE=InnoDB',
        'CREATE TABLE plain_myisam (id INT) ENGINE=MyISAM',
        'INSERT INTO plain_myisam SELECT seq FROM seq_1_to_250',
        'CREATE TABLE ticks (id INT AUTO_INCREMENT PRIMARY KEY, pad CHAR(200)) ENGINE=InnoDB',
        "INSERT INTO ticks (pad) SELECT REPEAT('x', 200) FROM seq_1_to_100000",
        'CREATE TABLE noise (id INT PRIMARY KEY, t TEXT, b BLOB) ENGINE=InnoDB',
        // mysqldump writes no rows for a MERGE table: its count comes from the snapshot.
        'CREATE TABLE part_a (id INT) ENGINE=MyISAM',
        'CREATE TABLE part_b (id INT) ENGINE=MyISAM',
        'INSERT INTO part_a VALUES (1), (2)',
        'INSERT INTO part_b VALUES (3)',
        'CREATE TABLE merged (id INT) ENGINE=MRG_MyISAM UNION=(part_a, part_b)',
      ].join(';\n'),
      db,
    );
    // Values drawn from the bytes that matter to the reader, in every order: a seeded generator, so a failure repeats.
    const rows = noiseRows(2000);
    for (let i = 0; i < rows.length; i += 500) sql(`INSERT INTO noise VALUES ${rows.slice(i, i + 500).join(',')}`, db);
    // A writer that keeps inserting, one autocommitted row at a time, until it is killed.
    sql('', db, "DELIMITER //\nCREATE PROCEDURE tick() BEGIN LOOP INSERT INTO ticks (pad) VALUES ('w'); END LOOP; END //\nDELIMITER ;\n");
  });
  after(() => {
    sql(`DROP DATABASE IF EXISTS ${db}`);
    sql(`DROP DATABASE IF EXISTS ${loaded}`);
  });

  it('records, for every table, the rows the dump holds: what loading it gives back', async () => {
    const { dump, metadata } = await backUp(db);
    expect(metadata.row_counts).to.equal('exact, counted in the dump as it streamed');
    const recorded = Object.fromEntries((metadata.tables as RecordedTable[]).map((table) => [table.name, table.rows]));
    const onServer = Object.fromEntries(Object.keys(recorded).map((name) => [name, countOf(name, db)]));
    expect(recorded).to.deep.equal(onServer);
    expect(recorded).to.include({ products: 1500, audit: 1500, awkward: 3004, 'we`ird; VALUES (': 2, nothing: 0, plain_myisam: 250, ticks: 100000, noise: 2000, merged: 3 });
    sql(`CREATE DATABASE ${loaded} CHARACTER SET utf8mb4`);
    sql('', loaded, dump);
    expect(Object.fromEntries(Object.keys(recorded).map((name) => [name, countOf(name, loaded)]))).to.deep.equal(recorded);
  });

  it('with a writer inserting throughout the backup, the recorded count is exactly what the dump restores', async () => {
    const writer = spawn('mariadb', ['-h', '127.0.0.1', '-uroot', db, '-e', 'CALL tick()'], { stdio: 'ignore' });
    try {
      const start = Date.now();
      while (Number(sql("SELECT COUNT(*) FROM ticks WHERE pad = 'w'", db)) < 50 && Date.now() - start < 60_000) await new Promise((resolve) => setTimeout(resolve, 50));
      const before = countOf('ticks', db);
      const { dump, metadata } = await backUp(db);
      const after = countOf('ticks', db);
      const recorded = (metadata.tables as RecordedTable[]).find((table) => table.name === 'ticks')!.rows;
      expect(recorded).to.be.above(before);
      expect(recorded).to.be.below(after);
      sql(`DROP DATABASE IF EXISTS ${loaded}`);
      sql(`CREATE DATABASE ${loaded} CHARACTER SET utf8mb4`);
      sql('', loaded, dump);
      expect(countOf('ticks', loaded)).to.equal(recorded);
    } finally {
      writer.kill('SIGKILL');
      sql(`SELECT GROUP_CONCAT(ID) FROM information_schema.PROCESSLIST WHERE DB = '${db}' AND INFO LIKE 'CALL tick%'`)
        .split(',')
        .filter((id) => /^\d+$/.test(id))
        .forEach((id) => sql(`KILL ${id}`));
    }
  });

  it('counts in the snapshot when the dump could not be read, and for tables whose rows the dump does not hold', async () => {
    const unreadable = await openCountingSnapshot(connection, db);
    sql("INSERT INTO awkward VALUES (99999, 'after the snapshot began', NULL, NULL)", db);
    try {
      const facts = await unreadable.facts(() => Promise.resolve('the script ends inside a comment'));
      expect(facts.row_counts).to.match(/^counted in a consistent snapshot started just before the dump \(the dump itself could not be read: the script ends inside a comment; see docs\/drills\.md\)$/);
      expect(facts.tables.find((table) => table.name === 'awkward')!.rows).to.equal(countOf('awkward', db) - 1);
    } finally {
      unreadable.release();
    }
    const streamed = await openCountingSnapshot(connection, db);
    try {
      const facts = await streamed.facts(() => Promise.resolve(new Map([['awkward', 7]])));
      const rows = Object.fromEntries(facts.tables.map((table) => [table.name, table.rows]));
      expect(rows).to.include({ awkward: 7, merged: 3, part_a: 0, nothing: 0 });
    } finally {
      streamed.release();
    }
  });
});
