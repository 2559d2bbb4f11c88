import type { TarReader } from './tar.js';

/** The server's limit is 16 MiB per document; anything much larger means a damaged stream. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 + 16 * 1024;

/**
 * The documents of one `.bson` tar entry (concatenated BSON documents, as mongodump writes
 * them), one Buffer each, read as they arrive: never more than one document in memory.
 */
export async function* readBsonDocuments(tar: TarReader, label: string): AsyncGenerator<Buffer> {
  while (tar.remaining > 0) {
    if (tar.remaining < 5) throw new Error(`${label}: ${tar.remaining} stray bytes after the last document`);
    const prefix = await tar.readExact(4);
    const length = prefix.readInt32LE(0);
    if (length < 5 || length > MAX_DOCUMENT_BYTES || length - 4 > tar.remaining) {
      throw new Error(`${label}: invalid BSON document length ${length}`);
    }
    const rest = await tar.readExact(length - 4);
    if (rest[rest.length - 1] !== 0) throw new Error(`${label}: BSON document does not end with a zero byte`);
    yield Buffer.concat([prefix, rest], length);
  }
}

/**
 * How the restore decodes a document before the driver encodes it again: into wrapper types
 * (Int32, Double, Long, BSONRegExp, Binary...), so the same BSON types come out in the same order.
 */
export const RESTORE_DECODING = { promoteValues: false, promoteBuffers: false, promoteLongs: false, bsonRegExp: true, useBigInt64: false } as const;
