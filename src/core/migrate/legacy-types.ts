/** The Python tool's vya_backupbd.json, as far as vya reads it (see shared/seed-system.md). */
export interface LegacyInstance {
  id_dbms: number | string;
  dbms: string;
  host?: string;
  port?: number;
  user?: string;
  secret?: string;
  db_ignore?: string | string[];
  database?: string[];
  db_list?: string[];
  enabled?: boolean;
}

export interface LegacyConfig {
  db_config?: LegacyInstance[];
  bkp_system?: { path_sql?: string; path_zip?: string; path_files?: string; retention_files?: number };
  schedule_settings?: { enabled?: boolean; days_of_week?: number[]; time?: string; timezone?: string };
  email_settings?: {
    enabled?: boolean;
    smtp_host?: string;
    smtp_port?: number;
    smtp_user?: string;
    smtp_password?: string;
    use_ssl?: boolean;
    use_tls?: boolean;
    from_email?: string;
    success_recipients?: string[];
    failure_recipients?: string[];
    test_mode?: boolean;
  };
  prometheus_settings?: { enabled?: boolean; url?: string; job_name?: string; timeout?: number };
}
