export interface SecretMetadata {
  created_at?: string;
  updated_at?: string;
  description?: string;
}

/** A named credential: `secret:NAME.username`, `secret:NAME.password`, `secret:NAME.<field>`. */
export interface SecretRecord {
  name: string;
  username?: string;
  password?: string;
  fields?: Record<string, string>;
  metadata?: SecretMetadata;
}

/** What `list` shows: never the password. */
export interface SecretSummary {
  name: string;
  username?: string;
  fields?: string[];
  metadata?: SecretMetadata;
}

export interface SecretStore {
  get(name: string): Promise<SecretRecord | undefined>;
  set(record: SecretRecord): Promise<void>;
  /** True when something was removed. */
  delete(name: string): Promise<boolean>;
  list(): Promise<SecretSummary[]>;
  /** `vya secrets init`: create the store's storage and key; fails when it exists already. */
  initialize?(): Promise<Record<string, unknown>>;
  /** Facts about the store for `vya secrets info` (path, backend, counts); no secrets. */
  info?(): Promise<Record<string, unknown>>;
  /**
   * `vya secrets rekey`: re-encrypts the whole store under a new key or passphrase, atomically
   * (an interrupted rekey leaves it readable), and says what the operator must change (where
   * the new key is). Optional: stores whose keys live elsewhere (HashiCorp Vault) leave it out.
   */
  rekey?(request: RekeyRequest): Promise<Record<string, unknown>>;
  readonly readOnly?: boolean;
  close?(): Promise<void>;
}

/** What `vya secrets rekey` hands a store; secrets arrive here, never through argv. */
export interface RekeyRequest {
  /** The new passphrase, for a store opened with one. */
  newPassphrase?: string;
  /** Asks the operator for the new passphrase (hidden, on a terminal), when the store needs one and none was given. */
  askNewPassphrase?(): Promise<string>;
  /** For a store whose key comes from the environment: a file to hold the new key (created 0600 when missing, else read). */
  newKeyFile?: string;
}

/** The value a `secret:NAME.field` reference names, or undefined when the record lacks it. */
export function secretField(record: SecretRecord, field: string): string | undefined {
  if (field === 'username') return record.username;
  if (field === 'password') return record.password;
  return record.fields?.[field];
}
