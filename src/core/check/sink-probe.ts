import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { errorMessage, type CheckItem, type Sink } from '@vya/plugin-api';

/** Proves a sink can write, read, list and delete under its prefix, with a small probe object. */
export async function probeSink(sink: Sink, name: string): Promise<CheckItem[]> {
  const key = `.vya-check/${randomBytes(6).toString('hex')}`;
  const payload = randomBytes(1024);
  const items: CheckItem[] = [];
  const step = async (what: string, action: () => Promise<string | void>): Promise<boolean> => {
    try {
      const detail = await action();
      items.push({ name: `sink ${name}: ${what}`, ok: true, detail: detail || 'ok' });
      return true;
    } catch (error) {
      items.push({ name: `sink ${name}: ${what}`, ok: false, detail: errorMessage(error), hint: (error as { hint?: string }).hint });
      return false;
    }
  };
  if (!(await step('write', () => sink.put(key, Readable.from([payload])).then(() => undefined)))) return items;
  await step('read', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of await sink.get(key)) chunks.push(chunk as Buffer);
    if (!Buffer.concat(chunks).equals(payload)) throw new Error('read back different bytes than were written');
  });
  await step('list', async () => {
    for await (const info of sink.list('.vya-check/')) if (info.key === key) return;
    throw new Error('the probe object was written but is not listed');
  });
  await step('delete', async () => {
    await sink.delete(key);
    if (await sink.stat(key)) throw new Error('the probe object is still there after delete');
  });
  return items;
}
