import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { readAgeVectors, type AgeVector } from '../support/age-vectors.js';
import { createAgeDecryptStream, parseIdentityFile } from '../../src/core/crypto/age/index.js';

/**
 * The C2SP/CCTV age test vectors (test/fixtures/age-cctv, format in its README), each decrypted
 * whole, in 64 KiB pieces and in odd pieces (7 and 4097 bytes in turn). vya reads binary age with
 * X25519 identities and passphrases: armored and ML-KEM hybrid vectors are not applicable and are
 * listed as such, each asserting that vya refuses the file rather than passing silently.
 */

const FEEDS: Record<string, (file: Buffer) => Buffer[]> = {
  whole: (file) => [file],
  '64 KiB pieces': (file) => pieces(file, () => 65_536),
  'odd pieces (7, 4097)': (file) => pieces(file, (index) => (index % 2 === 0 ? 7 : 4097)),
};

function pieces(file: Buffer, size: (index: number) => number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0, index = 0; offset < file.length; offset += size(index), index++) out.push(file.subarray(offset, offset + size(index)));
  return out;
}

/** The spec's failure class of a vya error code. */
const CLASS_OF: Record<string, string> = {
  AGE_HEADER_INVALID: 'header failure',
  AGE_HEADER_MAC: 'HMAC failure',
  AGE_NO_MATCH: 'no match',
  AGE_BAD_PASSPHRASE: 'no match',
  AGE_PAYLOAD_INVALID: 'payload failure',
};

/** Decrypts, collecting every byte released before the end or the error. */
function decrypt(vector: AgeVector, feed: Buffer[]): Promise<{ outcome: string; released: Buffer; message?: string }> {
  const x25519 = vector.identities.filter((identity) => !identity.startsWith('AGE-SECRET-KEY-PQ-'));
  const stream = x25519.length > 0 || vector.passphrases.length === 0 ? createAgeDecryptStream({ identities: x25519 }) : createAgeDecryptStream({ passphrase: vector.passphrases[0] });
  const released: Buffer[] = [];
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => released.push(chunk));
    stream.on('end', () => resolve({ outcome: 'success', released: Buffer.concat(released) }));
    stream.on('error', (error: Error & { code?: string }) => resolve({ outcome: CLASS_OF[error.code ?? ''] ?? `unexpected ${error.code}: ${error.message}`, released: Buffer.concat(released), message: error.message }));
    (async () => {
      for (const piece of feed) {
        if (stream.destroyed) return;
        if (!stream.write(piece)) await new Promise((drained) => stream.once('drain', drained).once('close', drained));
      }
      stream.end();
    })().catch(() => {});
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('age: the C2SP/CCTV test vectors', function () {
  this.timeout(60_000);
  const vectors = readAgeVectors();

  it('the fixture holds the full set', () => {
    expect(vectors.length).to.equal(143);
  });

  for (const vector of vectors) {
    const hybridOnly = vector.identities.length > 0 && vector.identities.every((identity) => identity.startsWith('AGE-SECRET-KEY-PQ-'));
    if (vector.armored) {
      it(`NOT APPLICABLE (vya reads no ASCII armor): ${vector.name} is refused as a header failure`, async () => {
        const result = await decrypt(vector, [vector.file]);
        expect(result.outcome).to.equal('header failure');
        expect(result.released.length).to.equal(0);
      });
      continue;
    }
    if (hybridOnly) {
      it(`NOT APPLICABLE (vya has no ML-KEM hybrid identities): ${vector.name}: its identity is refused`, () => {
        expect(() => parseIdentityFile(vector.identities.join('\n'))).to.throw(/not an age identity/);
      });
      continue;
    }
    for (const [feedName, feed] of Object.entries(FEEDS)) {
      it(`${vector.name} (${vector.expect}), fed ${feedName}`, async () => {
        const result = await decrypt(vector, feed(vector.file));
        expect(result.outcome, result.message).to.equal(vector.expect);
        if (vector.payload) expect(sha256(result.released), 'released plaintext').to.equal(vector.payload);
        else expect(result.released.length, 'released plaintext').to.equal(0);
      });
    }
  }
});
