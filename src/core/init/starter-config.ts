export interface StarterConfigOptions {
  paths: string[];
  repository: string;
  recipient?: string;
  identityFile?: string;
  /** vya's own files (repository, identity) inside a backed-up path, relative to it. */
  ownFiles?: string[];
}

/** The commented vya.yml that `vya init` writes: files → local disk, working as is. */
export function renderStarterConfig(options: StarterConfigOptions): string {
  const paths = options.paths.map((path) => `      - ${quote(path)}`).join('\n');
  const ownFiles = options.ownFiles ?? [];
  const exclude = ['**/node_modules/**', '**/.cache/**', '**/*.tmp', ...ownFiles].map((glob) => JSON.stringify(glob)).join(', ');
  const ownFilesNote = ownFiles.length ? `\n    # ${ownFiles.join(' and ')}: vya's repository and key are never backed up into themselves` : '';
  const encryption = options.recipient
    ? `    # age encryption: anyone with the identity file can decrypt. Keep a copy of it somewhere safe
    # (without it the backups cannot be restored) and off hosts that should not read backups.
    encryption:
      recipients: [${options.recipient}]
    # restore/verify read it with --identity ${quote(options.identityFile ?? '')} (or $VYA_AGE_IDENTITY)`
    : `    # encryption:                       # age: recipients from \`age-keygen\`, or a passphrase
    #   recipients: [age1...]              # decrypt with --identity FILE on restore/verify
    #   passphrase: "secret:repo.password"`;
  return `# vya configuration, written by \`vya init\`.
# Reference: docs/config.md. Check it with \`vya check\`, run it with \`vya backup\`.
version: 1

# What to back up. More source types come from plugins: postgres, mysql, ...
sources:
  files:
    type: files
    paths:
${paths}
    exclude: [${exclude}]${ownFilesNote}

# Where backups go. More sink types: s3, gcs.
sinks:
  local:
    type: local
    path: ${quote(options.repository)}

# A job backs up every unit of a source into a sink.
jobs:
  files-to-local:
    source: files
    sink: local
    compression: { algorithm: zstd, level: 3 }   # zstd | gzip | none
${encryption}
    # retention: { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 }
    # schedule: { cron: "0 2 * * *", timezone: UTC }

# Credentials are never written here in clear: use "secret:NAME.field" references,
# stored with \`vya secrets set NAME\` in the local vault (or HashiCorp Vault).
# secrets:
#   store: vault
#   vault: { type: vault-file, path: ~/.config/vya/vault.enc, key_file: ~/.config/vya/vault.key }
`;
}

function quote(value: string): string {
  return /^[A-Za-z0-9_./~-]+$/.test(value) ? value : JSON.stringify(value);
}
