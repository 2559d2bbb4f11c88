import { Flags } from '@oclif/core';

/** The flags `vya keys add` and `vya keys remove` share. */
export const keyChangeFlags = {
  recipient: Flags.string({ char: 'r', summary: 'The age recipient (age1...) to add or remove.', required: true }),
  job: Flags.string({ summary: 'Only snapshots of this job.' }),
  sink: Flags.string({ summary: 'Only snapshots in this sink.' }),
  identity: Flags.string({
    char: 'i',
    summary: 'age identity that opens the snapshots: a file, or secret:NAME.FIELD (repeatable; default: $VYA_AGE_IDENTITY, else asked on a terminal). Never the key itself.',
    multiple: true,
    multipleNonGreedy: true,
  }),
  'keep-unlisted': Flags.boolean({ summary: "Keep recipients a manifest lists that the job's config does not (refused by default: manifests are not authenticated)." }),
  'dry-run': Flags.boolean({ summary: 'Show what would be rewrapped, without changing anything.' }),
  'lock-wait': Flags.string({ summary: 'Wait this long (e.g. 5m) for another process holding a job lock.', default: '0s' }),
};
