import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expect } from 'chai';
import { ArchiveRowCounter, tableKey, type ArchiveRowCounts } from '../src/archive-row-counter.js';
import type { PostgresConnection } from '../src/connection.js';
import { exportSnapshot } from '../src/snapshot-counts.js';

const psql = (sql: string, database = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' }).trim();
const pgDump = (database: string) => execFileSync('pg_dump', ['-h', '127.0.0.1', '-U', 'postgres', '--format=custom', '--compress=0', database], { maxBuffer: 256 * 1024 * 1024 });

/** Feeds `archive` in pieces of `piece` bytes; returns the counts and the bytes that came out. */
async function count(archive: Buffer, piece = 64 * 1024): Promise<{ counts: ArchiveRowCounts | undefined; reason?: string; out: Buffer }> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < archive.length; at += piece) pieces.push(archive.subarray(at, at + piece));
  const counter = new ArchiveRowCounter();
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    counter,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  const counted = await counter.result;
  return typeof counted === 'string' ? { counts: undefined, reason: counted, out: Buffer.concat(out) } : { counts: counted, out: Buffer.concat(out) };
}

const named = (counts: ArchiveRowCounts | undefined) => Object.fromEntries([...(counts ?? new Map<string, number>())].map(([key, rows]) => [key.replace('\u0000', '.'), rows]));

describe('postgres: row counts read from the custom-format dump as it streams', function () {
  this.timeout(120_000);
  const database = `vya_rowcount_${randomBytes(3).toString('hex')}`;
  let archive: Buffer;

  before(() => {
    psql(`CREATE DATABASE ${database}`);
    psql(
      `CREATE SCHEMA "odd.schema";
       CREATE TABLE public.items (id int primary key, note text);
       INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 5000) g;
       -- values that look like the end marker, newlines, tabs and backslashes inside values
       CREATE TABLE public.tricky (t text);
       INSERT INTO public.tricky VALUES (E'\\\\.'), (E'line one\\nline two'), (E'tab\\there'), (E'back\\\\slash'), (''), (NULL), (E'\\\\.\\n\\n\\n');
       -- a single text column of empty strings: every row is an empty line
       CREATE TABLE public.blanks (t text);
       INSERT INTO public.blanks SELECT '' FROM generate_series(1, 7);
       CREATE TABLE public.empty_one (id int);
       CREATE TABLE "odd.schema"."odd table" (id int);
       INSERT INTO "odd.schema"."odd table" SELECT generate_series(1, 42);
       CREATE TABLE public.parted (id int, region text) PARTITION BY LIST (region);
       CREATE TABLE public.parted_eu PARTITION OF public.parted FOR VALUES IN ('eu');
       CREATE TABLE public.parted_us PARTITION OF public.parted FOR VALUES IN ('us');
       INSERT INTO public.parted SELECT g, CASE WHEN g % 3 = 0 THEN 'us' ELSE 'eu' END FROM generate_series(1, 300) g;
       CREATE MATERIALIZED VIEW public.item_view AS SELECT id FROM public.items WHERE id <= 10;
       SELECT lo_from_bytea(0, convert_to(repeat(E'large\\nobject\\n', 5000), 'UTF8'));
       SELECT lo_from_bytea(0, '\\x0a0a0a'::bytea);`,
      database,
    );
    archive = pgDump(database);
  });
  after(() => psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

  const expected = {
    'public.items': 5000,
    'public.tricky': 7,
    'public.blanks': 7,
    'public.empty_one': 0,
    'odd.schema.odd table': 42,
    'public.parted_eu': 200,
    'public.parted_us': 100,
  };

  it('counts every table exactly as count(*) does, and passes the bytes through unchanged', async () => {
    for (const [table, rows] of Object.entries(expected)) {
      const [schema, name] = table.startsWith('odd.schema.') ? ['odd.schema', 'odd table'] : table.split('.');
      expect(Number(psql(`SELECT count(*) FROM ONLY "${schema}"."${name}"`, database)), table).to.equal(rows);
    }
    const { counts, reason, out } = await count(archive);
    expect(reason).to.equal(undefined);
    expect(named(counts)).to.deep.equal(expected);
    expect(out.equals(archive)).to.equal(true);
  });

  it('gives the same counts however the stream is cut (every piece size from 1 to 17 bytes, and odd large ones)', async () => {
    for (const piece of [1, 2, 3, 5, 6, 7, 11, 13, 17, 509, 4093, 65_537]) {
      const { counts, reason } = await count(archive, piece);
      expect(reason, `piece ${piece}`).to.equal(undefined);
      expect(named(counts), `piece ${piece}`).to.deep.equal(expected);
    }
  });

  it('keys tables by schema and name without ambiguity', async () => {
    const { counts } = await count(archive);
    expect(counts?.get(tableKey('odd.schema', 'odd table'))).to.equal(42);
    expect(counts?.get(tableKey('odd', 'schema.odd table'))).to.equal(undefined);
  });

  it('a truncated archive: no counts and the reason, the bytes still pass unchanged', async () => {
    const cut = archive.subarray(0, archive.length - 40);
    const { counts, reason, out } = await count(cut);
    expect(counts).to.equal(undefined);
    expect(reason).to.match(/ended inside a data block|no data block/);
    expect(out.equals(cut)).to.equal(true);
  });

  it('an archive cut inside its table of contents, a plain SQL dump, garbage and an unknown version: no counts, never an error', async () => {
    const unknownVersion = Buffer.from(archive);
    unknownVersion[6] = 99;
    const cases: [Buffer, RegExp][] = [
      [archive.subarray(0, 300), /table of contents/],
      [Buffer.from('--\n-- PostgreSQL database dump\n--\nCOPY t FROM stdin;\n1\n\\.\n'), /not a pg_dump archive/],
      [randomBytes(200_000), /not a pg_dump archive/],
      [unknownVersion, /version 1\.99 is not one vya reads/],
      [Buffer.alloc(0), /table of contents/],
    ];
    for (const [input, why] of cases) {
      const { counts, reason, out } = await count(input);
      expect(counts).to.equal(undefined);
      expect(reason).to.match(why);
      expect(out.equals(input)).to.equal(true);
    }
  });

  it('a damaged data block (a negative chunk length) stops the counting, not the stream', async () => {
    const damaged = Buffer.from(archive);
    // Each COPY row is one chunk: its length (a sign byte and 4 bytes) comes right before it.
    const row = damaged.indexOf(Buffer.from('1\titem 1\n'));
    damaged[row - 5] = 1;
    const { counts, reason, out } = await count(damaged);
    expect(counts).to.equal(undefined);
    expect(reason).to.equal('negative chunk length');
    expect(out.equals(damaged)).to.equal(true);
  });

  it('a stream cut short rejects the counts instead of resolving them', async () => {
    const counter = new ArchiveRowCounter();
    counter.write(archive.subarray(0, 1000));
    counter.destroy();
    let error: Error | undefined;
    await counter.result.catch((e: Error) => (error = e));
    expect(error?.message).to.match(/ended before the archive did/);
  });

  describe('the manifest facts around the exported snapshot', () => {
    const connection: PostgresConnection = { host: '127.0.0.1', port: 5432, username: 'postgres', database: 'postgres' };
    const rowsOf = (facts: { tables: { schema: string; name: string; rows?: number }[] }) => Object.fromEntries(facts.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));

    it('takes the streamed counts; a partitioned parent and a table without data in the dump get none', async () => {
      const snapshot = await exportSnapshot(connection, database);
      try {
        const streamed = new Map([[tableKey('public', 'items'), 5000], [tableKey('public', 'parted'), 1], [tableKey('public', 'parted_eu'), 200]]);
        const facts = await snapshot.facts(async () => streamed);
        expect(facts.row_counts).to.equal('exact, counted in the dump as it streamed');
        const rows = rowsOf(facts);
        expect(rows['public.items']).to.equal(5000);
        expect(rows['public.parted_eu']).to.equal(200);
        expect(rows['public.parted']).to.equal(undefined);
        expect(rows['public.blanks']).to.equal(undefined);
        expect(Object.keys(rows)).to.include.members(['public.tricky', 'odd.schema.odd table']);
      } finally {
        snapshot.release();
      }
    });

    it('counts inside the snapshot when the dump could not be read, and says why in the facts', async () => {
      const snapshot = await exportSnapshot(connection, database);
      try {
        // Rows written after the snapshot was exported are not counted.
        psql('INSERT INTO public.items SELECT g, NULL FROM generate_series(100001, 100010) g', database);
        const facts = await snapshot.facts(async () => 'not a pg_dump archive');
        expect(facts.row_counts).to.equal('exact, counted in the snapshot pg_dump dumped (the dump itself could not be read: not a pg_dump archive)');
        const rows = rowsOf(facts);
        expect(rows).to.include({ 'public.items': 5000, 'public.blanks': 7, 'public.empty_one': 0, 'odd.schema.odd table': 42, 'public.parted_us': 100 });
        expect(rows['public.parted']).to.equal(undefined);
      } finally {
        snapshot.release();
        psql('DELETE FROM public.items WHERE id > 100000', database);
      }
    });
  });
});
