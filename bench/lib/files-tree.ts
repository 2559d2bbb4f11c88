import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeDumpLikeFile } from '../dump-like-data.js';

/** The shape of a real tree: many small files in nested directories, plus a few large ones. */
export interface FilesTreeSpec {
  smallFiles: number;
  largeFiles: number;
  largeBytes: number;
}

const MARKER = '.vya-bench-tree.json';

/**
 * Creates the tree at `root` unless one of the same spec is already there (idempotent).
 * Deterministic: the same spec gives the same bytes. Small files are 0 to 16 KiB of
 * text-like data (median ~4 KiB), 100 to a directory, three levels deep.
 */
export async function ensureFilesTree(root: string, spec: FilesTreeSpec): Promise<void> {
  const marker = join(root, '..', MARKER);
  const wanted = JSON.stringify(spec);
  if ((await readFile(marker, 'utf8').catch(() => '')) === wanted) return;
  // A tree of another size (or a half-written one) goes first: no files of it may remain.
  await rm(marker, { force: true });
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  let state = 2463534242;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
  for (let i = 0; i < spec.smallFiles; i++) {
    const dir = join(root, `d${Math.floor(i / 10000)}`, `d${Math.floor(i / 100) % 100}`);
    if (i % 100 === 0) await mkdir(dir, { recursive: true });
    const size = Math.floor(random() ** 2 * 16384);
    const parts: string[] = [];
    let length = 0;
    while (length < size) {
      const word = words[Math.floor(random() * words.length)];
      parts.push(word);
      length += word.length + 1;
    }
    await writeFile(join(dir, `f${i}.txt`), parts.join(' ').slice(0, size));
  }
  await mkdir(join(root, 'large'), { recursive: true });
  for (let i = 0; i < spec.largeFiles; i++) await writeDumpLikeFile(join(root, 'large', `big${i}.dat`), spec.largeBytes);
  await writeFile(marker, wanted);
}
