import { Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { RepositoryLocks, type ListedLock } from '../core/locks/repository-lock.js';
import { sinksFor } from '../core/snapshots/find-snapshots.js';

export default class Unlock extends VyaCommand {
  static override summary = 'Remove stale locks (left by a process that crashed or was killed).';
  static override description = 'A lock is stale once the storage has not seen its holder refresh it for longer than its TTL (10 minutes; judged by the storage\'s clock), or at once when its holder ran on this machine, as this user and in this PID namespace, and has exited. --all also removes live locks: only when you know their holder is gone.';
  static override examples = ['<%= config.bin %> unlock', '<%= config.bin %> unlock --job nightly-pg', '<%= config.bin %> unlock --all'];
  static override flags = {
    job: Flags.string({ summary: 'Only locks of this job.' }),
    sink: Flags.string({ summary: 'Only this sink.' }),
    all: Flags.boolean({ summary: 'Remove live locks too.' }),
  };

  async run(): Promise<{ removed: ListedLock[] }> {
    const { flags } = await this.parse(Unlock);
    const runtime = await this.runtime({ configFlag: flags.config });
    const removed: ListedLock[] = [];
    for (const sinkName of sinksFor(runtime, { job: flags.job, sink: flags.sink })) {
      removed.push(...(await new RepositoryLocks(await runtime.sink(sinkName), runtime.logger).breakLocks({ job: flags.job, all: flags.all })));
    }
    for (const lock of removed) this.log(`removed ${lock.stale ? 'stale' : 'live'} lock ${lock.job}/${lock.unit} (${lock.operation}, ${lock.mode}, by ${lock.host} pid ${lock.pid})`);
    this.log(`${removed.length} lock(s) removed`);
    return { removed };
  }
}
