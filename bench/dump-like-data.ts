import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'.split(' ');

/** Writes `bytes` of SQL-dump-like text (compresses ~4-6x with zstd -3, like real dumps). */
export async function writeDumpLikeFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path, { highWaterMark: 1024 * 1024 });
  let written = 0;
  let id = 0;
  let state = 12345;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      id++;
      const words = Array.from({ length: 3 + Math.floor(random() * 8) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
      const amount = (random() * 100000).toFixed(2);
      const hex = Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0');
      lines.push(`${id}\t${words}\t${amount}\t2026-11-${String(1 + (id % 28)).padStart(2, '0')} 12:${String(id % 60).padStart(2, '0')}:00+00\t${hex}${hex}\n`);
    }
    const chunk = lines.join('');
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
