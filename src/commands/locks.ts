import { Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { RepositoryLocks, type ListedLock } from '../core/locks/repository-lock.js';
import { sinksFor } from '../core/snapshots/find-snapshots.js';

export default class Locks extends VyaCommand {
  static override summary = 'List the locks held in the repositories, and whether they are stale.';
  static override description = 'A lock is stale when the storage has not seen it refreshed for longer than its TTL (by the storage\'s clock, not a host\'s), or at once when its holder ran on this machine, as this user and in this PID namespace, and has exited.';
  static override examples = ['<%= config.bin %> locks', '<%= config.bin %> locks --job nightly-pg --json'];
  static override flags = {
    job: Flags.string({ summary: 'Only locks of this job.' }),
    sink: Flags.string({ summary: 'Only this sink.' }),
  };

  async run(): Promise<(ListedLock & { sink: string })[]> {
    const { flags } = await this.parse(Locks);
    const runtime = await this.runtime({ configFlag: flags.config });
    const all: (ListedLock & { sink: string })[] = [];
    for (const sinkName of sinksFor(runtime, { job: flags.job, sink: flags.sink })) {
      const locks = await new RepositoryLocks(await runtime.sink(sinkName), runtime.logger).list(flags.job);
      all.push(...locks.map((lock) => ({ ...lock, sink: sinkName })));
    }
    if (all.length === 0) this.log('no locks');
    for (const lock of all) {
      this.log(`${lock.stale ? 'STALE ' : 'held  '}  ${lock.sink}  ${lock.job}/${lock.unit}  ${lock.operation} (${lock.mode}) by ${lock.host} pid ${lock.pid} since ${lock.created_at}, refreshed ${formatIdle(lock.idle_ms)} ago (${lock.holder_gone ? 'that process has exited' : `stale after ${formatIdle(lock.ttl_ms)}`})`);
    }
    return all;
  }
}

function formatIdle(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)}m`;
}
