import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { readAgeVectors, type AgeVector } from '../support/age-vectors.js';
import { createAgeDecryptStream, createAgeEncryptStream, generateX25519Identity } from '../../src/core/crypto/age/index.js';
import { parseHeader, unwrapFileKey, type UnwrapKeys } from '../../src/core/crypto/age/header.js';
import { AgeHeaderRewrap, rewrapHeader } from '../../src/core/crypto/age/rewrap.js';
import { readAll } from '@vya/testing';

/**
 * The header rewrap of `vya keys`, against the C2SP/CCTV age vectors (test/fixtures/age-cctv):
 * a rewrap either refuses the file with the vector's own failure class, releasing nothing, or
 * produces a file that the new identity alone decrypts to exactly the vector's outcome and
 * plaintext, whose bytes after the header are the original's, byte for byte. So a rewrap never
 * turns a damaged or tampered file into a good one (the old MAC is checked, never re-signed
 * blindly) and never touches the payload.
 */

const CLASS_OF: Record<string, string> = {
  AGE_HEADER_INVALID: 'header failure',
  AGE_HEADER_MAC: 'HMAC failure',
  AGE_NO_MATCH: 'no match',
  AGE_BAD_PASSPHRASE: 'no match',
  AGE_PAYLOAD_INVALID: 'payload failure',
};

function keysOf(vector: AgeVector): UnwrapKeys {
  const x25519 = vector.identities.filter((identity) => !identity.startsWith('AGE-SECRET-KEY-PQ-'));
  return x25519.length > 0 || vector.passphrases.length === 0 ? { identities: x25519 } : { passphrase: vector.passphrases[0] };
}

/** Runs a transform over `input` in 4097-byte pieces: the outcome class, and every byte released. */
function run(stream: AgeHeaderRewrap | ReturnType<typeof createAgeDecryptStream>, input: Buffer): Promise<{ outcome: string; out: Buffer; message?: string }> {
  const released: Buffer[] = [];
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => released.push(chunk));
    stream.on('end', () => resolve({ outcome: 'success', out: Buffer.concat(released) }));
    stream.on('error', (error: Error & { code?: string }) => resolve({ outcome: CLASS_OF[error.code ?? ''] ?? `unexpected ${error.code}: ${error.message}`, out: Buffer.concat(released), message: error.message }));
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < input.length; offset += 4097) pieces.push(input.subarray(offset, offset + 4097));
    Readable.from(pieces).pipe(stream);
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('age header rewrap (vya keys), against the C2SP/CCTV vectors', function () {
  this.timeout(120_000);
  const vectors = readAgeVectors()
    .filter((v) => !v.armored && !(v.identities.length > 0 && v.identities.every((identity) => identity.startsWith('AGE-SECRET-KEY-PQ-'))));
  const fresh = generateX25519Identity();

  it('covers every binary X25519 and scrypt vector of the kit', () => {
    expect(vectors.length).to.be.greaterThan(90);
  });

  for (const vector of vectors) {
    it(`${vector.name} (${vector.expect}): refused with that class, or rewrapped to the same outcome and payload bytes`, async () => {
      const rewrap = new AgeHeaderRewrap(keysOf(vector), { recipients: [fresh.recipient] });
      const rewrapped = await run(rewrap, vector.file);
      if (rewrapped.outcome !== 'success') {
        expect(rewrapped.outcome, rewrapped.message).to.equal(vector.expect);
        expect(rewrapped.out.length, 'bytes released by a refused rewrap').to.equal(0);
        return;
      }
      // Only a file whose header opens with the vector's keys and whose MAC holds is rewrapped.
      expect(['success', 'payload failure', 'header failure']).to.include(vector.expect);
      expect(rewrapped.out.subarray(rewrap.newHeaderBytes).equals(vector.file.subarray(rewrap.oldHeaderBytes)), 'bytes after the header').to.equal(true);
      const header = parseHeader(rewrapped.out);
      expect(header?.stanzas.map((s) => s.type)).to.deep.equal(['X25519']);
      if (vector.fileKey) expect(unwrapFileKey(header!, { identities: [fresh.identity] }).toString('hex'), 'file key').to.equal(vector.fileKey);
      const decrypted = await run(createAgeDecryptStream({ identities: [fresh.identity] }), rewrapped.out);
      expect(decrypted.outcome, decrypted.message).to.equal(vector.expect);
      if (vector.payload) expect(sha256(decrypted.out), 'released plaintext').to.equal(vector.payload);
      // The old keys no longer open the rewrapped file.
      const old = await run(createAgeDecryptStream(keysOf(vector)), rewrapped.out);
      expect(old.outcome).to.equal('no match');
    });
  }
});

describe('age header rewrap: recipients and refusals', () => {
  it('wraps the same file key for several recipients, each of which decrypts alone', async () => {
    const owner = generateX25519Identity();
    const plaintext = Buffer.alloc(200_000, 7);
    const file = await readAll(Readable.from([plaintext]).pipe(createAgeEncryptStream({ recipients: [owner.recipient] })));
    const others = [generateX25519Identity(), generateX25519Identity()];
    const out = await readAll(Readable.from([file]).pipe(new AgeHeaderRewrap({ identities: [owner.identity] }, { recipients: others.map((o) => o.recipient) })));
    for (const other of others) expect((await readAll(Readable.from([out]).pipe(createAgeDecryptStream({ identities: [other.identity] })))).equals(plaintext)).to.equal(true);
  });

  it('moves a passphrase file to a recipient: the passphrase no longer opens it', async () => {
    const plaintext = Buffer.from('under a passphrase\n');
    const file = await readAll(Readable.from([plaintext]).pipe(createAgeEncryptStream({ passphrase: 'old secret', scryptLogN: 10 })));
    const to = generateX25519Identity();
    const out = await readAll(Readable.from([file]).pipe(new AgeHeaderRewrap({ passphrase: 'old secret' }, { recipients: [to.recipient] })));
    expect((await readAll(Readable.from([out]).pipe(createAgeDecryptStream({ identities: [to.identity] })))).toString()).to.equal(plaintext.toString());
    const withPassphrase = await run(createAgeDecryptStream({ passphrase: 'old secret' }), out);
    expect(withPassphrase.outcome).to.equal('no match');
  });

  it('refuses an empty recipient set: nothing could open the result', () => {
    const owner = generateX25519Identity();
    const header = parseHeader(Buffer.from('age-encryption.org/v1\n-> X25519 AAAA\nAAAA\n--- ' + 'A'.repeat(43) + '\n'));
    expect(() => rewrapHeader(header!, { identities: [owner.identity] }, { recipients: [] })).to.throw(/at least one recipient/);
  });

  it('refuses input that ends inside the header', async () => {
    const result = await run(new AgeHeaderRewrap({ identities: [] }, { recipients: [generateX25519Identity().recipient] }), Buffer.from('age-encryption.org/v1\n-> X25519 '));
    expect(result.outcome).to.equal('header failure');
  });
});
