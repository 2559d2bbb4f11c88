import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Transform } from 'node:stream';
import { expect } from 'chai';
import { createAgeDecryptStream, createAgeEncryptStream, generateX25519Identity, parseIdentityFile, recipientOf } from '../../src/core/crypto/age/index.js';
import { readAll } from '@vya/testing';
import { tempDir } from '../support/cli.js';

/** Feeds `input` in uneven pieces, so chunk boundaries of the stream and of age never line up. */
async function through(transform: Transform, input: Buffer): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let offset = 0, size = 1; offset < input.length; offset += size, size = (size * 7 + 3) % 50_000 || 1) pieces.push(input.subarray(offset, offset + size));
  return readAll(Readable.from(pieces).pipe(transform));
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

/**
 * Runs the age CLI on a pseudo-terminal (it reads passphrases only from /dev/tty), answering
 * every passphrase prompt with `passphrase`.
 */
function ageOnTerminal(args: string[], passphrase: string): void {
  const script = `
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp("age", ["age"] + sys.argv[2:])
seen = b""
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    if seen.lower().rstrip().endswith(b":"):
        os.write(fd, sys.argv[1].encode() + b"\\n")
        seen = b""
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;
  const result = spawnSync('python3', ['-c', script, passphrase, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`age ${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`);
}

// Sizes around age's 64 KiB chunk: empty, tiny, exactly one and two chunks, one byte over.
const SIZES = [0, 1, 65_535, 65_536, 65_537, 131_072, 300_001];

describe('age implementation, against the age command-line tool', function () {
  this.timeout(120_000);
  let dir: { path: string; cleanup: () => Promise<void> };
  let identityFile: string;
  let identity: string;
  let recipient: string;

  before(async () => {
    dir = await tempDir('vya-age-');
    identityFile = join(dir.path, 'key.txt');
    execFileSync('age-keygen', ['-o', identityFile], { stdio: 'ignore' });
    [identity] = parseIdentityFile(await readFile(identityFile, 'utf8'));
    recipient = execFileSync('age-keygen', ['-y', identityFile], { encoding: 'utf8' }).trim();
  });
  after(async () => dir.cleanup());

  it('derives the same recipient from an identity as age-keygen -y', () => {
    expect(recipientOf(identity)).to.equal(recipient);
  });

  for (const size of SIZES) {
    it(`age -d decrypts what vya encrypted (${size} bytes), and vya decrypts what age -e encrypted`, async () => {
      const plain = randomBytes(size);
      const ours = await through(createAgeEncryptStream({ recipients: [recipient, generateX25519Identity().recipient] }), plain);
      await writeFile(join(dir.path, 'ours.age'), ours);
      expect(execFileSync('age', ['-d', '-i', identityFile, join(dir.path, 'ours.age')]).equals(plain)).to.equal(true);

      await writeFile(join(dir.path, 'plain'), plain);
      execFileSync('age', ['-e', '-r', generateX25519Identity().recipient, '-r', recipient, '-o', join(dir.path, 'theirs.age'), join(dir.path, 'plain')]);
      const decrypted = await through(createAgeDecryptStream({ identities: [identity] }), await readFile(join(dir.path, 'theirs.age')));
      expect(decrypted.equals(plain)).to.equal(true);
    });
  }

  it('interoperates with age on passphrases (scrypt), both ways', async () => {
    const passphrase = `correct horse ${randomBytes(4).toString('hex')} é`;
    const plain = randomBytes(100_000);
    const ours = await through(createAgeEncryptStream({ passphrase, scryptLogN: 12 }), plain);
    await writeFile(join(dir.path, 'pass-ours.age'), ours);
    ageOnTerminal(['-d', '-o', join(dir.path, 'pass-ours.out'), join(dir.path, 'pass-ours.age')], passphrase);
    expect((await readFile(join(dir.path, 'pass-ours.out'))).equals(plain)).to.equal(true);

    await writeFile(join(dir.path, 'pass-plain'), plain);
    ageOnTerminal(['-p', '-o', join(dir.path, 'pass-theirs.age'), join(dir.path, 'pass-plain')], passphrase);
    const decrypted = await through(createAgeDecryptStream({ passphrase }), await readFile(join(dir.path, 'pass-theirs.age')));
    expect(decrypted.equals(plain)).to.equal(true);
  });

  describe('refuses what it must not decrypt', () => {
    let sealed: Buffer;
    before(async () => {
      sealed = await through(createAgeEncryptStream({ recipients: [recipient] }), randomBytes(200_000));
    });

    it('a file for another identity', async () => {
      const error = await failure(through(createAgeDecryptStream({ identities: [generateX25519Identity().identity] }), sealed));
      expect(error.message).to.match(/no identity matches/i);
    });

    it('a flipped bit anywhere in the payload', async () => {
      const tampered = Buffer.from(sealed);
      tampered[tampered.length - 70_000] ^= 0x01;
      const error = await failure(through(createAgeDecryptStream({ identities: [identity] }), tampered));
      expect(error.message).to.match(/age/i);
      expect(error.message).to.not.include(identity);
    });

    it('a file cut at a chunk boundary (the last chunk is missing)', async () => {
      const headerEnd = sealed.indexOf('\n---') + 1;
      const headerLength = sealed.indexOf('\n', headerEnd) + 1 + 16;
      const cut = sealed.subarray(0, headerLength + 2 * (65_536 + 16));
      const error = await failure(through(createAgeDecryptStream({ identities: [identity] }), cut));
      expect(error.message).to.match(/age/i);
    });

    it('a modified header (its MAC no longer matches)', async () => {
      const other = generateX25519Identity();
      const twoRecipients = await through(createAgeEncryptStream({ recipients: [recipient, other.recipient] }), Buffer.from('x'));
      const text = twoRecipients.toString('latin1');
      const firstStanza = text.indexOf('-> X25519 ');
      const secondStanza = text.indexOf('-> X25519 ', firstStanza + 1);
      // Dropping the stanza that is not ours changes the header the MAC covers.
      const withoutSecond = text.slice(0, secondStanza) + text.slice(text.indexOf('\n', text.indexOf('\n', secondStanza) + 1) + 1);
      const error = await failure(through(createAgeDecryptStream({ identities: [identity] }), Buffer.from(withoutSecond, 'latin1')));
      expect(error.message).to.match(/header/i);
    });

    it('a passphrase file with a scrypt work factor above the limit, before spending it', async () => {
      const file = await through(createAgeEncryptStream({ passphrase: 'p', scryptLogN: 10 }), Buffer.from('x'));
      const inflated = Buffer.from(file.toString('latin1').replace(/(-> scrypt \S+) 10\n/, '$1 30\n'), 'latin1');
      const error = await failure(through(createAgeDecryptStream({ passphrase: 'p' }), inflated));
      expect(error.message).to.match(/work factor 2\^30 exceeds the limit/);
    });

    it('a wrong passphrase', async () => {
      const file = await through(createAgeEncryptStream({ passphrase: 'right', scryptLogN: 10 }), Buffer.from('x'));
      const error = await failure(through(createAgeDecryptStream({ passphrase: 'wrong' }), file));
      expect(error.message).to.match(/passphrase/i);
    });
  });
});
