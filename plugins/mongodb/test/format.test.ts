import { Readable } from 'node:stream';
import { expect } from 'chai';
import { deserialize, serialize, Timestamp, UUID, type Document } from 'bson';
import { readBsonDocuments, RESTORE_DECODING } from '../src/format/bson-documents.js';
import { buildMetadata, parseMetadata, serializeMetadata } from '../src/format/metadata.js';
import { ByteReader, TAR_END, TarReader, tarFileHeader, tarPadding } from '../src/format/tar.js';
import { everyTypeDocuments, largeDocument } from './bson-samples.js';

function tarOf(entries: { path: string; body: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) parts.push(tarFileHeader(entry.path, entry.body.length, new Date(0)), entry.body, tarPadding(entry.body.length));
  parts.push(TAR_END);
  return Buffer.concat(parts);
}

/** Feeds the archive in uneven chunks, as a network stream would. */
function chunked(data: Buffer, size: number): Readable {
  return Readable.from((function* () {
    for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
  })());
}

async function readAll(archive: Readable): Promise<Map<string, Buffer[]>> {
  const tar = new TarReader(new ByteReader(archive));
  const files = new Map<string, Buffer[]>();
  for (let entry = await tar.next(); entry; entry = await tar.next()) {
    const documents: Buffer[] = [];
    if (entry.path.endsWith('.bson')) for await (const doc of readBsonDocuments(tar, entry.path)) documents.push(doc);
    else documents.push(await tar.readExact(entry.size));
    files.set(entry.path, documents);
  }
  return files;
}

describe('mongodb dump format: BSON, metadata and tar on their own', function () {
  this.timeout(120_000);

  it('carries a document of every BSON type through tar and back byte for byte', async () => {
    const raw = everyTypeDocuments().map((doc) => Buffer.from(serialize(doc)));
    const archive = tarOf([{ path: 'shop/types.bson', body: Buffer.concat(raw) }]);
    for (const size of [1, 7, 512, 65536]) {
      const files = await readAll(chunked(archive, size));
      expect(files.get('shop/types.bson')?.map((b) => b.toString('hex'))).to.deep.equal(raw.map((b) => b.toString('hex')));
    }
    // The restore decodes to wrapper types and encodes again: that too must keep every byte.
    for (const doc of raw) expect(Buffer.from(serialize(deserialize(doc, RESTORE_DECODING))).toString('hex')).to.equal(doc.toString('hex'));
    const decoded = deserialize(raw[4], { promoteValues: false });
    expect(Object.is((decoded.negZero as { value: number }).value, -0)).to.equal(true);
    expect(Number.isNaN((decoded.nan as { value: number }).value)).to.equal(true);
  });

  it('carries a document near 16 MB and an empty collection', async () => {
    const big = Buffer.from(serialize(largeDocument(16 * 1024 * 1024 - 1024)));
    expect(big.length).to.be.greaterThan(16 * 1024 * 1024 - 2048);
    const archive = tarOf([{ path: 'shop/big.bson', body: big }, { path: 'shop/empty.bson', body: Buffer.alloc(0) }]);
    const files = await readAll(chunked(archive, 1 << 16));
    expect(files.get('shop/big.bson')?.[0].equals(big)).to.equal(true);
    expect(files.get('shop/empty.bson')).to.deep.equal([]);
  });

  it('writes long and non-ASCII collection names through pax headers that tar reads back', async () => {
    const long = `shop/${'c'.repeat(180)}.bson`;
    const unicode = 'shop/zürich-✓.metadata.json';
    const files = await readAll(chunked(tarOf([{ path: long, body: Buffer.from(serialize({ a: 1 })) }, { path: unicode, body: Buffer.from('{}') }]), 100));
    expect([...files.keys()]).to.deep.equal([long, unicode]);
  });

  it('refuses a truncated archive and a damaged document length', async () => {
    const doc = Buffer.from(serialize({ a: 1 }));
    const archive = tarOf([{ path: 'shop/a.bson', body: Buffer.concat([doc, doc]) }]);
    const truncated = await readAll(chunked(archive.subarray(0, 512 + doc.length + 3), 64)).then(() => undefined, (e: Error) => e);
    expect(truncated?.message).to.match(/truncated|stray bytes/);
    const damaged = Buffer.from(doc);
    damaged.writeInt32LE(1 << 30, 0);
    const invalid = await readAll(chunked(tarOf([{ path: 'shop/a.bson', body: damaged }]), 64)).then(() => undefined, (e: Error) => e);
    expect(invalid?.message).to.match(/invalid BSON document length/);
  });

  it('writes metadata.json in mongodump shape (canonical extended JSON, hex uuid) and reads it back', () => {
    const uuid = new UUID('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
    const info = { name: 'events', type: 'collection', options: { capped: true, size: 4096, validator: { $jsonSchema: { required: ['at'] } }, collation: { locale: 'fr', strength: 2 } }, info: { uuid } };
    const indexes: Document[] = [{ v: 2, key: { _id: 1 }, name: '_id_' }, { v: 2, key: { at: -1 }, name: 'at_-1', expireAfterSeconds: 3600 }];
    const text = serializeMetadata(buildMetadata(info, indexes)).toString('utf8');
    expect(text).to.equal(
      '{"options":{"capped":true,"size":{"$numberInt":"4096"},"validator":{"$jsonSchema":{"required":["at"]}},"collation":{"locale":"fr","strength":{"$numberInt":"2"}}},' +
        '"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},{"v":{"$numberInt":"2"},"key":{"at":{"$numberInt":"-1"}},"name":"at_-1","expireAfterSeconds":{"$numberInt":"3600"}}],' +
        '"uuid":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","collectionName":"events","type":"collection"}',
    );
    const parsed = parseMetadata(text);
    expect(serializeMetadata(parsed).toString('utf8')).to.equal(text);
    const view = serializeMetadata(buildMetadata({ name: 'recent', type: 'view', options: { viewOn: 'events', pipeline: [{ $match: { at: { $gt: new Timestamp({ t: 1, i: 1 }) } } }] } }, [])).toString('utf8');
    expect(JSON.parse(view)).to.deep.include({ collectionName: 'recent', type: 'view', indexes: [] });
  });
});
