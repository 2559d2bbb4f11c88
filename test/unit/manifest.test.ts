import { expect } from 'chai';
import { dataKey, manifestKey, snapshotSlot } from '../../src/core/repository/keys.js';
import { MANIFEST_FORMAT, parseManifest, type Manifest } from '../../src/core/repository/manifest.js';

const id = '20261125T020000Z-3f9a1c';
const unit = 'srv/app';
const key = manifestKey('nightly', unit, id);

function valid(): Manifest {
  return {
    format: MANIFEST_FORMAT,
    format_version: 1,
    id,
    run_id: `run-${id}`,
    job: 'nightly',
    source: { name: 'data', type: 'files' },
    sink: 'repo',
    unit: { name: unit, kind: 'paths' },
    data_key: dataKey('nightly', unit, id, 'tar.zst'),
    data_format: 'tar',
    started_at: '2026-11-25T02:00:00.000Z',
    finished_at: '2026-11-25T02:00:05.000Z',
    raw_bytes: 10,
    stored_bytes: 8,
    sha256: 'ab'.repeat(32),
    compression: { algorithm: 'zstd', level: 3 },
    encryption: { type: 'age', recipients: ['age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq'], passphrase: false },
    source_metadata: {},
    plugins: {},
    host: 'h',
    vya_version: '0.1.0',
  };
}

const parse = (change: (m: Record<string, unknown>) => void, at = key) => {
  const manifest = valid() as unknown as Record<string, unknown>;
  change(manifest);
  return () => parseManifest(JSON.stringify(manifest), at);
};

describe('manifest validation', () => {
  it('accepts a manifest as backup writes it', () => {
    expect(parse(() => {})()).to.deep.include({ id, job: 'nightly' });
  });

  it('rejects wrong types, naming the field, not only missing ones', () => {
    expect(parse((m) => (m.started_at = 5))).to.throw(/started_at must be a string/);
    expect(parse((m) => (m.raw_bytes = '10'))).to.throw(/raw_bytes must be an integer/);
    expect(parse((m) => (m.encryption = { type: 'age', recipients: 'age1x', passphrase: false }))).to.throw(/encryption/);
    expect(parse((m) => (m.started_at = 'yesterday'))).to.throw(/not a date/);
    expect(parse((m) => delete m.sha256)).to.throw(/missing required key "sha256"/);
  });

  it('rejects broken JSON and other documents by key', () => {
    expect(() => parseManifest('{"format":', key)).to.throw(`manifest ${key}: not valid JSON`);
    expect(() => parseManifest('[]', key)).to.throw(/not a vya manifest/);
  });

  it('names a newer format_version', () => {
    expect(parse((m) => (m.format_version = 3))).to.throw(/format_version 3 is newer than this vya understands \(1\)/);
  });

  it('binds a manifest to its key and to its own data object', () => {
    expect(parse(() => {}, manifestKey('other', unit, id))).to.throw(/belongs under another key/);
    expect(parse((m) => (m.data_key = dataKey('nightly', 'other', id, 'tar.zst')))).to.throw(/is not this snapshot's data object/);
    expect(parse((m) => (m.data_key = dataKey('nightly', unit, '20261125T020000Z-000000', 'tar.zst')))).to.throw(/is not this snapshot's data object/);
  });

  it('binds the listing object to its snapshot, also under the name a key rotation gives it', () => {
    const listing = (listingKey: string) => (m: Record<string, unknown>) => (m.listing = { key: listingKey, format: 'jsonl', raw_bytes: 5, stored_bytes: 4, sha256: 'cd'.repeat(32) });
    const rewrapped = (suffix: string) => dataKey('nightly', unit, id, `rewrap-0123abcd.${suffix}`);
    expect(parse(listing(dataKey('nightly', unit, id, 'listing.jsonl.zst.age')))()).to.have.nested.property('listing.key');
    expect(
      parse((m) => {
        listing(rewrapped('listing.jsonl.zst.age'))(m);
        m.data_key = rewrapped('tar.zst.age');
      })(),
    ).to.deep.include({ data_key: rewrapped('tar.zst.age') });
    expect(parse(listing(dataKey('nightly', unit, '20261125T020000Z-000000', 'rewrap-0123abcd.listing.jsonl.zst.age')))).to.throw(/listing key .* is not this snapshot's own object/);
    expect(parse(listing(dataKey('nightly', 'other', id, 'listing.jsonl.zst.age')))).to.throw(/listing key .* is not this snapshot's own object/);
  });

  it('matches data objects and manifests by unit and id', () => {
    expect(snapshotSlot(key, 'snapshots/', 'nightly')).to.equal(`srv%2Fapp/${id}`);
    expect(snapshotSlot(valid().data_key, 'data/', 'nightly')).to.equal(`srv%2Fapp/${id}`);
    expect(snapshotSlot(valid().data_key, 'data/', 'night')).to.equal(undefined);
  });
});
