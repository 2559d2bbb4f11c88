import { Readable } from 'node:stream';
import { expect } from 'chai';
import { silentLogger, type Source } from '@vya/plugin-api';
import { generateX25519Identity } from '../../src/core/crypto/age/index.js';
import { parseHeader } from '../../src/core/crypto/age/header.js';
import { findSuperseded } from '../../src/core/keys/superseded.js';
import { rewrapSnapshot } from '../../src/core/keys/rewrap-snapshot.js';
import { backupUnit } from '../../src/core/pipeline/backup-unit.js';
import { listingAsSnapshot } from '../../src/core/pipeline/listing-object.js';
import { openSnapshot } from '../../src/core/pipeline/open-snapshot.js';
import { manifestKey } from '../../src/core/repository/keys.js';
import type { Manifest, ManifestEncryption } from '../../src/core/repository/manifest.js';
import { Repository } from '../../src/core/repository/repository.js';
import { generatedStream, readAll } from '@vya/testing';
import { LocalSink } from '../../plugins/local/src/local-sink.js';
import { tempDir } from '../support/cli.js';

const [alice, bob] = [generateX25519Identity(), generateX25519Identity()];
const LISTING = Buffer.from(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ path: `dir/file-${i}.txt`, size: i }) + '\n').join(''));
const onlyBob: ManifestEncryption = { type: 'age', recipients: [bob.recipient], passphrase: false };

async function payloadOf(sink: LocalSink, key: string): Promise<Buffer> {
  const bytes = await readAll(await sink.get(key));
  return bytes.subarray(parseHeader(bytes)!.length);
}

async function plainOf(sink: LocalSink, manifest: Manifest, identity: string): Promise<Buffer> {
  return readAll((await openSnapshot(sink, manifest, { identities: [identity] })).data);
}

async function keysIn(sink: LocalSink): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of sink.list('data/')) keys.push(info.key);
  return keys.sort();
}

describe('keys: rewrapSnapshot rewraps the data object and the listing object together', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let sink: LocalSink;
  let repository: Repository;
  let manifest: Manifest;

  const backUp = (withListing: boolean): Promise<Manifest> => {
    const source: Source = {
      check: async () => [],
      discover: async () => [],
      backup: async () => ({ data: generatedStream(2 * 1024 * 1024, 3), ...(withListing && { listing: Readable.from([LISTING]) }), format: 'tar', completed: Promise.resolve({}) }),
      restore: async () => ({ summary: '' }),
    };
    return backupUnit({
      job: 'job',
      runId: 'run-1',
      source: { name: 'src', type: 'files', instance: source },
      sink: { name: 'local', instance: sink },
      repository,
      unit: { name: 'tree', kind: 'files' },
      compression: { algorithm: 'zstd', level: 3 },
      encryption: { recipients: [alice.recipient, bob.recipient] },
      plugins: {},
      vyaVersion: '0.0.0',
      logger: silentLogger,
      signal: new AbortController().signal,
    });
  };

  beforeEach(async () => {
    dir = await tempDir('vya-rewrap-snapshot-');
    sink = new LocalSink(dir.path);
    repository = new Repository(sink, 'local');
    manifest = await backUp(true);
    expect(manifest.listing, 'the source stored a listing').to.not.equal(undefined);
  });
  afterEach(async () => dir.cleanup());

  it('one manifest switch names both new objects; the old ones are gone; payloads unchanged; the removed identity opens neither', async () => {
    const oldData = manifest.data_key;
    const oldListing = manifest.listing!.key;
    const payloads = [await payloadOf(sink, oldData), await payloadOf(sink, oldListing)];
    const plainData = await plainOf(sink, manifest, alice.identity);

    const outcome = await rewrapSnapshot(repository, manifest, { identities: [alice.identity] }, onlyBob, silentLogger, new AbortController().signal);
    expect(outcome.oldObjectsLeft).to.deep.equal([]);
    const stored = await repository.readManifest(manifestKey('job', 'tree', manifest.id));
    expect(stored).to.deep.equal(outcome.manifest);
    expect(stored.data_key).to.match(new RegExp(`^data/job/tree/${manifest.id}\\.rewrap-[0-9a-f]{8}\\.tar\\.zst\\.age$`));
    expect(stored.listing!.key).to.match(new RegExp(`^data/job/tree/${manifest.id}\\.rewrap-[0-9a-f]{8}\\.listing\\.jsonl\\.zst\\.age$`));
    expect(stored.encryption).to.deep.equal(onlyBob);
    expect({ raw: stored.listing!.raw_bytes, format: stored.listing!.format }).to.deep.equal({ raw: manifest.listing!.raw_bytes, format: manifest.listing!.format });
    expect(stored.listing!.sha256).to.not.equal(manifest.listing!.sha256);
    expect(await keysIn(sink)).to.deep.equal([stored.data_key, stored.listing!.key].sort());

    expect((await payloadOf(sink, stored.data_key)).equals(payloads[0]), 'data payload bytes').to.equal(true);
    expect((await payloadOf(sink, stored.listing!.key)).equals(payloads[1]), 'listing payload bytes').to.equal(true);
    expect((await plainOf(sink, stored, bob.identity)).equals(plainData)).to.equal(true);
    expect((await plainOf(sink, listingAsSnapshot(stored)!, bob.identity)).equals(LISTING)).to.equal(true);
    for (const object of [stored, listingAsSnapshot(stored)!]) {
      const refused = await plainOf(sink, object, alice.identity).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(refused?.message, object.data_key).to.match(/no identity/i);
    }
  });

  it('a damaged listing object: nothing is switched, and no new object is left (the data copy is removed too)', async () => {
    const listingKey = manifest.listing!.key;
    const bytes = await readAll(await sink.get(listingKey));
    bytes[bytes.length - 5] ^= 0xff;
    await sink.put(listingKey, Readable.from([bytes]));
    const before = await keysIn(sink);

    const failure = await rewrapSnapshot(repository, manifest, { identities: [alice.identity] }, onlyBob, silentLogger, new AbortController().signal).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).to.match(/snapshot \S+'s listing: stored object does not match its manifest/);
    expect(await repository.readManifest(manifestKey('job', 'tree', manifest.id))).to.deep.equal(manifest);
    expect(await keysIn(sink)).to.deep.equal(before);
  });

  it('a snapshot without a listing (an older vya, a database) gets its data object rewrapped alone', async () => {
    await repository.deleteSnapshot(manifest);
    const plain = await backUp(false);
    expect(plain.listing).to.equal(undefined);
    const outcome = await rewrapSnapshot(repository, plain, { identities: [alice.identity] }, onlyBob, silentLogger, new AbortController().signal);
    expect(outcome.manifest).to.not.have.property('listing');
    expect(await keysIn(sink)).to.deep.equal([outcome.manifest.data_key]);
    expect(await plainOf(sink, outcome.manifest, bob.identity)).to.have.length(2 * 1024 * 1024);
  });

  it('objects an interrupted rewrap left are superseded; the listing object is not', async () => {
    const strayData = `data/job/tree/${manifest.id}.rewrap-0000abcd.tar.zst.age`;
    const strayListing = `data/job/tree/${manifest.id}.rewrap-0000abcd.listing.jsonl.zst.age`;
    for (const key of [strayData, strayListing]) await sink.put(key, Readable.from([Buffer.from('left over')]));
    expect(await findSuperseded(repository, 'job', [manifest])).to.deep.equal([strayData, strayListing].sort());
  });
});
