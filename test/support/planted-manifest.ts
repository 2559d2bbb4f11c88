import { dataKey } from '../../src/core/repository/keys.js';
import { MANIFEST_FORMAT, type Manifest } from '../../src/core/repository/manifest.js';

/** A valid manifest of an unencrypted files snapshot taken at `time`, for tests that plant snapshots in a sink. */
export function plantedManifest(job: string, unit: string, time: string, index: number): Manifest {
  const id = `${time.replace(/[-:]/g, '').replace(/\.\d+/, '')}-${String(index).padStart(6, '0')}`;
  return {
    format: MANIFEST_FORMAT,
    format_version: 1,
    id,
    run_id: `run-${id}`,
    job,
    source: { name: 'data', type: 'files' },
    sink: 'repo',
    unit: { name: unit, kind: 'paths' },
    data_key: dataKey(job, unit, id, 'tar'),
    data_format: 'tar',
    started_at: time,
    finished_at: time,
    raw_bytes: 3,
    stored_bytes: 3,
    sha256: '0'.repeat(64),
    compression: { algorithm: 'none' },
    encryption: null,
    source_metadata: {},
    plugins: {},
    host: 'test',
    vya_version: '0.0.0',
  };
}
