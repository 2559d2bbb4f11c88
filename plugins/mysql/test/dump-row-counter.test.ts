import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { DumpRowCounter, type DumpRowCounts } from '../src/dump-row-counter.js';

/** Feeds the script in pieces of `size` bytes; returns the counts and the bytes that came out. */
async function count(script: string | Buffer, size = 64 * 1024): Promise<{ counts: DumpRowCounts | string; out: Buffer }> {
  const bytes = typeof script === 'string' ? Buffer.from(script, 'utf8') : script;
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) pieces.push(bytes.subarray(offset, offset + size));
  const counter = new DumpRowCounter();
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), counter, new Writable({ write: (chunk: Buffer, _encoding, callback) => (out.push(chunk), callback()) }));
  return { counts: await counter.result, out: Buffer.concat(out) };
}

const rowsOf = (counts: DumpRowCounts | string) => (typeof counts === 'string' ? counts : Object.fromEntries(counts));

/** A script shaped like mariadb-dump's (10.11: a row per line) with every awkward thing a dump holds. */
const AWKWARD = [
  '/*M!999999\\- enable the sandbox mode */ ',
  "-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64) -- it's a comment",
  '/*!40101 SET NAMES utf8mb4 */;',
  "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
  'DROP TABLE IF EXISTS `orders`;',
  'CREATE TABLE `orders` (',
  '  `id` bigint(20) NOT NULL,',
  "  `note` varchar(200) DEFAULT NULL COMMENT 'the customer''s note, (free text); maybe),(',",
  '  PRIMARY KEY (`id`)',
  ') ENGINE=InnoDB;',
  'LOCK TABLES `orders` WRITE;',
  '/*!40000 ALTER TABLE `orders` DISABLE KEYS */;',
  'INSERT INTO `orders` VALUES',
  "(1,'plain'),",
  "(2,'a),(b'),",
  "(3,'it\\'s'),",
  "(4,'ends in a backslash \\\\'),",
  "(5,'two \\\\\\\\'),",
  "(6,'doubled '' quote'),",
  "(7,'{\\\"k\\\": 1, \\\"v\\\": \\\"(x)\\\"}'),",
  "(8,'line\\nbreak; -- not a comment /* nor this */ # nor this'),",
  '(9,NULL),',
  '(10,0x28292C28),',
  "(-11,'\\0\\Z\\r\\t');",
  "INSERT INTO `orders` VALUES (12,'second statement'),(13,'on one line'),(14,');');",
  '/*!40000 ALTER TABLE `orders` ENABLE KEYS */;',
  'UNLOCK TABLES;',
  'CREATE TABLE `we``ird name; VALUES (` (`a` int, `b` int GENERATED ALWAYS AS (`a` + 1) VIRTUAL);',
  'INSERT INTO `we``ird name; VALUES (` (`a`) VALUES (1),(2);',
  'INSERT INTO `empty_rows_later` VALUES (1);',
  'INSERT INTO `tëst` VALUES ("double-quoted string with \' and \\" inside"),(2);',
  'DELIMITER ;;',
  "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `t` AFTER INSERT ON `orders` FOR EACH ROW INSERT INTO log VALUES (NEW.id),(2) */;;",
  'DELIMITER ;',
  'DELIMITER ;;',
  'CREATE DEFINER=`root`@`localhost` PROCEDURE `p`()',
  'BEGIN',
  "  INSERT INTO `orders` VALUES (100,'from a routine'),(101,'x');",
  '  INSERT INTO log VALUES (1);',
  'END ;;',
  "INSERT INTO `orders` VALUES (200,'a top-level statement in a DELIMITER block is run, so counted'),(201,';');;",
  'DELIMITER ;',
  '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
  '-- Dump completed on 2026-11-27 19:43:00',
  '',
].join('\n');

const AWKWARD_ROWS = { orders: 16, 'we`ird name; VALUES (': 2, empty_rows_later: 1, tëst: 2 };

describe('mysql source: DumpRowCounter', () => {
  it('counts the rows of each table in a mariadb-dump script with awkward values, names and routines', async () => {
    const { counts, out } = await count(AWKWARD);
    expect(rowsOf(counts)).to.deep.equal(AWKWARD_ROWS);
    expect(out.toString('utf8')).to.equal(AWKWARD);
  });

  it('counts the same whatever the pieces the script arrives in, down to single bytes', async () => {
    for (const size of [1, 2, 3, 5, 7, 13, 64, 333]) expect(rowsOf((await count(AWKWARD, size)).counts), `pieces of ${size}`).to.deep.equal(AWKWARD_ROWS);
  });

  it('reads MySQL mysqldump layout (all rows on one line, several statements per table)', async () => {
    const line = (first: number, n: number) => `INSERT INTO \`t\` VALUES ${Array.from({ length: n }, (_, i) => `(${first + i},'v${first + i}',NULL)`).join(',')};`;
    const script = ['SET NAMES utf8mb4;', line(1, 500), line(501, 500), line(1001, 7), 'INSERT INTO `u` VALUES (1,2,3);', ''].join('\n');
    expect(rowsOf((await count(script, 100)).counts)).to.deep.equal({ t: 1007, u: 1 });
  });

  it('counts nothing for a table whose data the dump does not hold, and nothing in an empty script', async () => {
    expect(rowsOf((await count('CREATE TABLE `a` (`x` int);\n')).counts)).to.deep.equal({});
    expect(rowsOf((await count('')).counts)).to.deep.equal({});
  });

  it('says why, and passes the bytes on unchanged, when the script is not one it can follow', async () => {
    const cases: [string, RegExp][] = [
      ["INSERT INTO `t` VALUES (1,'never closed);\n", /ends inside a quoted string/],
      ['INSERT INTO `t` VALUES (1,2\n', /ends inside an INSERT statement/],
      ['INSERT INTO `t` SELECT * FROM `u`;\n', /not INSERT INTO name \[\(columns\)\] VALUES/],
      ['INSERT INTO `t` (`a`) SELECT 1;\n', /not INSERT INTO name \[\(columns\)\] VALUES/],
      ['INSERT INTO `t` SET `a` = 1;\n', /not INSERT INTO name \[\(columns\)\] VALUES/],
      [`INSERT INTO \`t\` (\`a\`) ${'x'.repeat(5000)};\n`, /not INSERT INTO name \[\(columns\)\] VALUES/],
      [`INSERT INTO \`${'n'.repeat(5000)}\` VALUES (1);\n`, /not INSERT INTO name \[\(columns\)\] VALUES/],
      ['INSERT INTO `t` VALUES (1,(2);\n', /ends inside a row/],
      ['DELIMITER $$\nCREATE PROCEDURE p() BEGIN END $$\nDELIMITER ;\n', /the delimiter "\$\$"/],
      ['/* a comment that never ends\n', /ends inside a comment/],
    ];
    for (const [script, reason] of cases) {
      const { counts, out } = await count(script, 4);
      expect(counts, script).to.be.a('string').that.matches(reason);
      expect(out.toString('utf8'), script).to.equal(script);
    }
  });

  it('rejects its counts when the stream is cut short', async () => {
    const counter = new DumpRowCounter();
    counter.write(Buffer.from('INSERT INTO `t` VALUES (1),'));
    counter.destroy();
    const outcome = await counter.result.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    expect(outcome).to.equal('the dump stream ended before the script did');
  });
});
