import { expect } from 'chai';
import { generateX25519Identity } from '../../src/core/crypto/age/index.js';
import { decide, missingKey, normalizeRecipient, type KeyChange } from '../../src/core/keys/plan-change.js';
import { isSupersededObject, rewrappedDataKey, rewrappedObjectKey } from '../../src/core/keys/rewrapped-key.js';
import type { Manifest, ManifestEncryption } from '../../src/core/repository/manifest.js';

const [a, b, c] = [generateX25519Identity(), generateX25519Identity(), generateX25519Identity()];

function manifest(encryption: ManifestEncryption | null, dataKey = 'data/job/db/20261126T010203Z-abcdef.sql.zst.age'): Manifest {
  return { id: '20261126T010203Z-abcdef', job: 'job', unit: { name: 'db', kind: 'database' }, data_key: dataKey, encryption } as Manifest;
}

const to = (...recipients: string[]): ManifestEncryption => ({ type: 'age', recipients, passphrase: false });
const change = (action: KeyChange['action'], recipient: string, extra: Partial<KeyChange> = {}): KeyChange => ({ action, recipient, replacePassphrase: false, keepUnlisted: false, ...extra });

describe('keys: what a rotation does to one snapshot', () => {
  it('add appends the recipient; a second add changes nothing', () => {
    expect(decide(manifest(to(a.recipient)), change('add', b.recipient), [a.recipient])).to.deep.equal({ change: to(a.recipient, b.recipient) });
    expect(decide(manifest(to(a.recipient, b.recipient)), change('add', b.recipient), [a.recipient])).to.have.property('unchanged').that.match(/already encrypted to/);
  });

  it('remove drops the recipient; one not present is a no-op; the last one is refused', () => {
    expect(decide(manifest(to(a.recipient, b.recipient)), change('remove', b.recipient), [a.recipient])).to.deep.equal({ change: to(a.recipient) });
    expect(decide(manifest(to(a.recipient)), change('remove', b.recipient), [a.recipient])).to.have.property('unchanged').that.match(/not encrypted to/);
    expect(decide(manifest(to(a.recipient)), change('remove', a.recipient), [a.recipient])).to.have.property('refused').that.match(/only recipient/);
  });

  it('never writes a recipient the config does not vouch for, unless told to keep it', () => {
    const planted = manifest(to(a.recipient, c.recipient));
    expect(decide(planted, change('add', b.recipient), [a.recipient])).to.have.property('refused').that.include(c.recipient);
    expect(decide(planted, change('remove', a.recipient), [a.recipient, b.recipient])).to.have.property('refused').that.include(c.recipient);
    expect(decide(planted, change('add', b.recipient, { keepUnlisted: true }), [a.recipient])).to.deep.equal({ change: to(a.recipient, c.recipient, b.recipient) });
  });

  it('a passphrase snapshot moves to the recipient only when asked, and remove leaves it alone', () => {
    const sealed = manifest({ type: 'age', recipients: [], passphrase: true });
    expect(decide(sealed, change('add', b.recipient), [])).to.have.property('refused').that.match(/--replace-passphrase/);
    expect(decide(sealed, change('add', b.recipient, { replacePassphrase: true }), [])).to.deep.equal({ change: to(b.recipient) });
    expect(decide(sealed, change('remove', b.recipient), [])).to.have.property('unchanged');
  });

  it('an unencrypted snapshot is left as it is', () => {
    expect(decide(manifest(null), change('add', b.recipient), [])).to.have.property('unchanged').that.match(/not encrypted/);
  });

  it('knows whether the keys at hand open a snapshot', () => {
    expect(missingKey(manifest(to(a.recipient, b.recipient)), [b.identity], undefined)).to.equal(undefined);
    expect(missingKey(manifest(to(a.recipient)), [c.identity], undefined)).to.match(/no identity given opens it/);
    expect(missingKey(manifest({ type: 'age', recipients: [], passphrase: true }), [a.identity], undefined)).to.match(/no encryption.passphrase/);
  });

  it('normalizes a recipient typed in upper case and refuses one that is not', () => {
    expect(normalizeRecipient(` ${a.recipient.toUpperCase()} `)).to.equal(a.recipient);
    expect(() => normalizeRecipient('age1nope')).to.throw(/--recipient: not an age X25519 recipient/);
  });

  it('a rewrapped object gets a new key in the same slot, with the same reading suffix', () => {
    const first = rewrappedDataKey(manifest(to(a.recipient)));
    expect(first).to.match(/^data\/job\/db\/20261126T010203Z-abcdef\.rewrap-[0-9a-f]{8}\.sql\.zst\.age$/);
    const second = rewrappedDataKey(manifest(to(a.recipient), first));
    expect(second).to.match(/^data\/job\/db\/20261126T010203Z-abcdef\.rewrap-[0-9a-f]{8}\.sql\.zst\.age$/);
    expect(second).to.not.equal(first);
    expect(isSupersededObject('data/job/db/20261126T010203Z-abcdef.sql.zst.age', manifest(to(a.recipient), first))).to.equal(true);
    expect(isSupersededObject(first, manifest(to(a.recipient), first))).to.equal(false);
    expect(isSupersededObject('data/job/db/20261126T010203Z-abcdee.sql.zst.age', manifest(to(a.recipient), first))).to.equal(false);
  });

  it("a rewrapped listing object keeps its listing suffix; a snapshot's listing is its own object, never superseded", () => {
    const listingKey = 'data/job/db/20261126T010203Z-abcdef.listing.jsonl.zst.age';
    const withListing = { ...manifest(to(a.recipient)), listing: { key: listingKey, format: 'jsonl', raw_bytes: 1, stored_bytes: 1, sha256: '0'.repeat(64) } } as Manifest;
    const rewrapped = rewrappedObjectKey(withListing, listingKey);
    expect(rewrapped).to.match(/^data\/job\/db\/20261126T010203Z-abcdef\.rewrap-[0-9a-f]{8}\.listing\.jsonl\.zst\.age$/);
    expect(rewrappedObjectKey(withListing, rewrapped)).to.match(/^data\/job\/db\/20261126T010203Z-abcdef\.rewrap-[0-9a-f]{8}\.listing\.jsonl\.zst\.age$/);
    expect(isSupersededObject(listingKey, withListing)).to.equal(false);
    expect(isSupersededObject(withListing.data_key, withListing)).to.equal(false);
    expect(isSupersededObject(rewrapped, withListing)).to.equal(true);
    expect(isSupersededObject(listingKey, { ...withListing, listing: { ...withListing.listing!, key: rewrapped } })).to.equal(true);
  });
});
