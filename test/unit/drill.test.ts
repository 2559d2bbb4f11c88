import { expect } from 'chai';
import type { DrillSummary, ReportUnit } from '@vya/plugin-api';
import { scratchDatabaseName } from '../../src/core/drill/scratch.js';
import { dataKey, manifestKey } from '../../src/core/repository/keys.js';
import { MANIFEST_FORMAT, objectKeys, parseManifest, type Manifest } from '../../src/core/repository/manifest.js';
import { renderMetrics } from '../../src/core/metrics/prometheus.js';
import { addProvenRestores } from '../../src/core/report/proven-restores.js';

function drill(at: string, unit: string, status: 'passed' | 'failed' | 'skipped', extra: Partial<DrillSummary['units'][number]> = {}): DrillSummary {
  return {
    runId: `run-${at}`,
    job: 'nightly',
    host: 'h',
    outcome: status === 'failed' ? 'failed' : 'succeeded',
    startedAt: at,
    finishedAt: at,
    durationMs: 1000,
    units: [{ job: 'nightly', unit, sink: 'repo', snapshotId: `snap-${at}`, kept: false, status, startedAt: at, finishedAt: at, restoreMs: 2500, problems: [], ...extra }],
  };
}

describe('restore drills', () => {
  it('names scratch databases vya_drill_<unit>_<random>: safe characters, at most 51 long, never twice the same', () => {
    const names = ['shop', 'Shop-Main.2026', '--all-databases', 'x'.repeat(200), 'ünïcødé', '___'].map(scratchDatabaseName);
    for (const name of names) {
      expect(name).to.match(/^vya_drill_[a-z0-9_]+_[0-9a-f]{8}$/);
      expect(name.length).to.be.at.most(51);
    }
    expect(names[0]).to.match(/^vya_drill_shop_/);
    expect(names[1]).to.match(/^vya_drill_shop_main_2026_/);
    expect(names[2]).to.match(/^vya_drill_all_databases_/);
    expect(names[5]).to.match(/^vya_drill_unit_/);
    expect(new Set(Array.from({ length: 1000 }, () => scratchDatabaseName('shop'))).size).to.equal(1000);
  });

  it('renders vya_drill_* metrics: the last drill per unit, the last proven restore and its RTO, failures counted', () => {
    const text = renderMetrics([], [
      drill('2026-11-01T00:00:00.000Z', 'shop', 'passed'),
      drill('2026-11-08T00:00:00.000Z', 'shop', 'failed'),
      drill('2026-11-08T00:00:00.000Z', 'globals', 'skipped'),
    ]);
    expect(text).to.include('vya_drill_last_success{job="nightly",unit="shop"} 0');
    expect(text).to.include(`vya_drill_last_timestamp_seconds{job="nightly",unit="shop"} ${Date.parse('2026-11-08T00:00:00.000Z') / 1000}`);
    expect(text).to.include(`vya_drill_last_success_timestamp_seconds{job="nightly",unit="shop"} ${Date.parse('2026-11-01T00:00:00.000Z') / 1000}`);
    expect(text).to.include('vya_drill_restore_duration_seconds{job="nightly",unit="shop"} 2.5');
    expect(text).to.include('vya_drill_failures_total{job="nightly",unit="shop"} 1');
    expect(text).not.to.include('unit="globals"');
    expect(renderMetrics([])).not.to.include('vya_drill_');
  });

  it('reports the last proven restore per unit, and what the latest drill found when it failed', () => {
    const units: ReportUnit[] = [{ job: 'nightly', unit: 'shop', stale: false }];
    const drills = [drill('2026-11-01T00:00:00.000Z', 'shop', 'passed'), drill('2026-11-08T00:00:00.000Z', 'shop', 'failed', { problems: ['table public.orders missing'] }), drill('2026-12-01T00:00:00.000Z', 'shop', 'passed')];
    addProvenRestores(units, drills, 'nightly', new Date('2026-11-30T00:00:00.000Z'));
    expect(units[0]).to.deep.include({ lastProvenRestoreAt: '2026-11-01T00:00:00.000Z', lastProvenRestoreMs: 2500, lastProvenSnapshotId: 'snap-2026-11-01T00:00:00.000Z', lastDrillFailure: 'table public.orders missing' });
  });

  it('binds a manifest\'s listing object to its own snapshot, and counts it among the snapshot\'s objects', () => {
    const id = '20261125T020000Z-3f9a1c';
    const key = manifestKey('nightly', 'srv/app', id);
    const listing = { key: dataKey('nightly', 'srv/app', id, 'listing.jsonl.zst'), format: 'jsonl', raw_bytes: 10, stored_bytes: 8, sha256: 'cd'.repeat(32) };
    const manifest: Manifest = {
      format: MANIFEST_FORMAT, format_version: 1, id, run_id: 'r', job: 'nightly', source: { name: 'data', type: 'files' }, sink: 'repo', unit: { name: 'srv/app', kind: 'paths' },
      data_key: dataKey('nightly', 'srv/app', id, 'tar.zst'), data_format: 'tar', started_at: '2026-11-25T02:00:00.000Z', finished_at: '2026-11-25T02:00:05.000Z',
      raw_bytes: 10, stored_bytes: 8, sha256: 'ab'.repeat(32), compression: { algorithm: 'zstd', level: 3 }, encryption: null, source_metadata: {}, listing, plugins: {}, host: 'h', vya_version: '0',
    };
    expect(objectKeys(parseManifest(JSON.stringify(manifest), key))).to.deep.equal([manifest.data_key, listing.key]);
    const foreign = { ...manifest, listing: { ...listing, key: dataKey('nightly', 'srv/app', '20261124T020000Z-aaaaaa', 'listing.jsonl.zst') } };
    expect(() => parseManifest(JSON.stringify(foreign), key)).to.throw(/listing key .* is not this snapshot's own object/);
    expect(() => parseManifest(JSON.stringify({ ...manifest, listing: { ...listing, sha256: 'xyz' } }), key)).to.throw(/listing/);
  });
});
