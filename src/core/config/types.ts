/** A configured plugin instance: `type` picks the plugin type, the rest is its own config. */
export interface InstanceConfig {
  type: string;
  [key: string]: unknown;
}

export type CompressionAlgorithm = 'zstd' | 'gzip' | 'none';

export interface CompressionConfig {
  algorithm: CompressionAlgorithm;
  level?: number;
}

export interface EncryptionConfig {
  /** age X25519 recipients (`age1...`). */
  recipients?: string[];
  /** A file of recipients, one per line (like `age -R`). */
  recipients_file?: string;
  /** A passphrase (normally a `secret:` reference); the age scrypt recipient. */
  passphrase?: string;
}

export interface RetentionConfig {
  keep_last?: number;
  keep_hourly?: number;
  keep_daily?: number;
  keep_weekly?: number;
  keep_monthly?: number;
  keep_yearly?: number;
  keep_within?: string;
  timezone?: string;
}

export interface ScheduleConfig {
  cron: string;
  timezone?: string;
  jitter_seconds?: number;
  timeout?: string;
  retries?: number;
  /** Delay before the first retry, doubled for each further one (default 30s). */
  retry_delay?: string;
}

/** A hook: an argv list (run without a shell), or the same with options, or a shell line. */
export type HookConfig = string[] | { command?: string[]; shell?: string; timeout?: string };

export interface HooksConfig {
  before?: HookConfig[];
  after?: HookConfig[];
  on_failure?: HookConfig[];
  /** Default timeout of each hook (5m). */
  timeout?: string;
}

export interface JobConfig {
  description?: string;
  source: string;
  sink: string;
  compression?: CompressionConfig;
  encryption?: EncryptionConfig;
  retention?: RetentionConfig;
  schedule?: ScheduleConfig;
  prune?: boolean;
  notify?: string[];
  /** Units backed up at once; defaults to the source's `concurrency`, else 2. */
  concurrency?: number;
  hooks?: HooksConfig;
  /** Restore drills (`vya drill`): where to restore, and when the daemon runs them. */
  drill?: DrillConfig;
}

export interface DrillConfig {
  /** A source of the job's source type to restore into (default: the job's own source). */
  into?: string;
  schedule?: ScheduleConfig;
}

export interface SecretsConfig {
  /** The default store: the name of one of the other keys. */
  store?: string;
  [name: string]: InstanceConfig | string | undefined;
}

export interface VyaConfig {
  version?: number;
  state_dir?: string;
  secrets?: SecretsConfig;
  sources: Record<string, InstanceConfig>;
  sinks: Record<string, InstanceConfig>;
  notifiers: Record<string, InstanceConfig>;
  jobs: Record<string, JobConfig>;
  metrics?: Record<string, unknown>;
  reports?: Record<string, unknown>;
  daemon?: Record<string, unknown>;
}
