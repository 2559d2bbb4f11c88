import { Flags } from '@oclif/core';

/** `--identity` of the commands that decrypt snapshots (restore, verify, drill). */
export const decryptionIdentityFlag = Flags.string({
  char: 'i',
  summary: 'age identity to decrypt with: a file, or secret:NAME.FIELD (repeatable; default: $VYA_AGE_IDENTITY). Never the key itself.',
  multiple: true,
  multipleNonGreedy: true,
});
