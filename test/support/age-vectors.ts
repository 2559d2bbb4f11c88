import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

const vectorsDir = fileURLToPath(new URL('../fixtures/age-cctv/vectors', import.meta.url));

/** One C2SP/CCTV age test vector (format in test/fixtures/age-cctv/README): its header lines and the age file. */
export interface AgeVector {
  name: string;
  expect: string;
  payload?: string;
  fileKey?: string;
  identities: string[];
  passphrases: string[];
  armored: boolean;
  file: Buffer;
}

/** Every vector, by name. */
export function readAgeVectors(): AgeVector[] {
  return readdirSync(vectorsDir).sort().map(readAgeVector);
}

function readAgeVector(name: string): AgeVector {
  const raw = readFileSync(join(vectorsDir, name));
  const split = raw.indexOf('\n\n');
  const vector: AgeVector = { name, expect: '', identities: [], passphrases: [], armored: false, file: raw.subarray(split + 2) };
  let compressed = false;
  for (const line of raw.subarray(0, split).toString('utf8').split('\n')) {
    const [key, value] = [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)];
    if (key === 'expect') vector.expect = value;
    else if (key === 'payload') vector.payload = value;
    else if (key === 'file key') vector.fileKey = value;
    else if (key === 'identity') vector.identities.push(value);
    else if (key === 'passphrase') vector.passphrases.push(value);
    else if (key === 'armored') vector.armored = value === 'yes';
    else if (key === 'compressed') compressed = value === 'zlib';
  }
  if (compressed) vector.file = inflateSync(vector.file);
  return vector;
}
