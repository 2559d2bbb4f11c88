import { Args, Flags } from '@oclif/core';
import { VyaCommand } from '../base-command.js';
import { copySnapshots, type CopiedSnapshot } from '../core/copy/copy-snapshots.js';

export default class Copy extends VyaCommand {
  static override summary = 'Copy snapshots from one sink to another, byte for byte.';
  static override description =
    "Copies each snapshot's stored object and then its manifest into --to-sink, streaming, with the sha256 checked on the way: a mismatch is an error and the target keeps nothing of that snapshot. Snapshots the target already holds are skipped, so an interrupted copy is finished by running it again. Name snapshots (ids, prefixes, JOB/UNIT@latest; found in --from-sink or the first sink that has them), or pass --job with --from-sink to copy everything of the job that the target lacks. Takes a shared lock in the source sink and the backup lock in the target.";
  static override examples = [
    '<%= config.bin %> copy 20261125T020000Z-3f9a1c --to-sink offsite',
    '<%= config.bin %> copy nightly-pg/shop@latest --from-sink local --to-sink offsite',
    '<%= config.bin %> copy --job nightly-pg --from-sink local --to-sink offsite',
  ];
  static override strict = false;
  static override args = { snapshots: Args.string({ description: 'snapshot ids, id prefixes, or JOB/UNIT@latest' }) };
  static override flags = {
    'to-sink': Flags.string({ summary: 'Required: the sink to copy into.', required: true }),
    'from-sink': Flags.string({ summary: 'The sink to copy from (required with --job).' }),
    job: Flags.string({ summary: 'Copy every snapshot of this job in --from-sink that --to-sink lacks.' }),
    'dry-run': Flags.boolean({ summary: 'Show what would be copied without copying.' }),
    'allow-unencrypted': Flags.boolean({ summary: 'Copy snapshots that are unencrypted although their job is configured for encryption.' }),
  };

  async run(): Promise<{ snapshots: CopiedSnapshot[] }> {
    const { flags, argv } = await this.parse(Copy);
    const runtime = await this.runtime({ configFlag: flags.config });
    const request = {
      references: argv as string[],
      job: flags.job,
      fromSink: flags['from-sink'],
      toSink: flags['to-sink'],
      dryRun: flags['dry-run'],
      allowUnencrypted: flags['allow-unencrypted'],
    };
    const snapshots = await copySnapshots(runtime, request, this.abortSignal);
    for (const s of snapshots) this.log(`${s.status.padEnd(10)}  ${s.id}  ${s.job}/${s.unit}  ${s.from} -> ${s.to}`);
    const count = (status: CopiedSnapshot['status']) => snapshots.filter((s) => s.status === status).length;
    const planned = flags['dry-run'] ? `, ${count('would-copy')} would be copied (dry run)` : '';
    this.log(`${count('copied')} copied, ${count('skipped')} already in ${flags['to-sink']}${planned}`);
    return { snapshots };
  }
}
