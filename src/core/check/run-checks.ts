import { errorMessage, type BackupUnit, type CheckItem } from '@vya/plugin-api';
import { planEncryption } from '../pipeline/encryption.js';
import type { Runtime } from '../runtime.js';
import { jobSinks } from '../config/job-sinks.js';
import { probeSink } from './sink-probe.js';

/**
 * `vya check`: every source, sink and notifier of the config is created (which resolves its
 * secrets) and asked to check itself; every sink also gets a write/read/list/delete probe.
 */
export async function runChecks(runtime: Runtime, signal: AbortSignal, only?: { sources?: string[]; sinks?: string[] }): Promise<CheckItem[]> {
  const items: CheckItem[] = [{ name: 'config', ok: true, detail: runtime.configFile ?? '(none)' }];
  const guard = async (name: string, action: () => Promise<CheckItem[]>) => {
    try {
      signal.throwIfAborted();
      items.push(...(await action()));
    } catch (error) {
      items.push({ name, ok: false, detail: runtime.redactor.redact(errorMessage(error)), hint: (error as { hint?: string }).hint });
    }
  };
  for (const name of only?.sources ?? Object.keys(runtime.config.sources)) {
    const before = items.length;
    await guard(`source ${name}`, async () => prefixed(`source ${name}`, await (await runtime.source(name)).check(signal)));
    // An unreachable server would only fail discovery again with the same message.
    if (items.slice(before).every((item) => item.ok)) {
      await guard(`source ${name}: units`, async () => [discoveredUnits(name, await (await runtime.source(name)).discover(signal))]);
    }
  }
  for (const name of only?.sinks ?? Object.keys(runtime.config.sinks)) {
    await guard(`sink ${name}`, async () => {
      const sink = await runtime.sink(name);
      const own = sink.check ? prefixed(`sink ${name}`, await sink.check(signal)) : [];
      signal.throwIfAborted();
      return [...own, ...(await probeSink(sink, name))];
    });
  }
  if (only) return redacted(runtime, items);
  for (const name of Object.keys(runtime.config.notifiers)) {
    await guard(`notifier ${name}`, async () => {
      const notifier = await runtime.notifier(name);
      return notifier.check ? prefixed(`notifier ${name}`, await notifier.check(signal)) : [{ name: `notifier ${name}`, ok: true, detail: 'configured' }];
    });
  }
  for (const [name, job] of Object.entries(runtime.config.jobs)) {
    await guard(`job ${name}`, async () => {
      const plan = await planEncryption(await runtime.resolveSecrets(job.encryption, `jobs.${name}.encryption`), runtime.configDir);
      const encryption = plan ? (plan.passphrase !== undefined ? 'age passphrase' : `age, ${plan.recipients.length} recipient(s)`) : 'not encrypted';
      return [{ name: `job ${name}`, ok: true, detail: `${job.source} → ${jobSinks(job).join(', ')}, ${job.compression?.algorithm ?? 'zstd'}, ${encryption}` }];
    });
  }
  return redacted(runtime, items);
}

/** Discovery is what a backup does first: an `include` naming nothing that exists fails here, not at night. */
function discoveredUnits(name: string, units: BackupUnit[]): CheckItem {
  const names = units.map((unit) => unit.name);
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
  return units.length > 0
    ? { name: `source ${name}: units`, ok: true, detail: `${units.length} to back up: ${shown}` }
    : { name: `source ${name}: units`, ok: false, detail: 'nothing to back up: include/exclude select no unit', hint: 'check include and exclude against what the server has' };
}

function prefixed(prefix: string, items: CheckItem[]): CheckItem[] {
  return items.map((item) => ({ ...item, name: item.name.startsWith(prefix) ? item.name : `${prefix}: ${item.name}` }));
}

function redacted(runtime: Runtime, items: CheckItem[]): CheckItem[] {
  return items.map((item) => ({ ...item, detail: runtime.redactor.redact(item.detail) }));
}
