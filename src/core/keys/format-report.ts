import { formatTable } from '../snapshots/format-table.js';
import type { KeyChangeReport } from './change-recipients.js';
import type { KeysListing } from './list-keys.js';

export function formatKeysListing(listing: KeysListing): string {
  if (listing.snapshots.length === 0) return 'no snapshots';
  const rows = listing.snapshots.map((s) => [s.id, s.job, s.unit, s.sink, !s.encrypted ? 'not encrypted' : s.passphrase ? 'passphrase' : s.recipients.join(' ')]);
  const lines = [formatTable(['ID', 'JOB', 'UNIT', 'SINK', 'ENCRYPTED TO'], rows), `${listing.snapshots.length} snapshot(s)`, ''];
  for (const use of listing.recipients) {
    const configured = use.configured_in.length > 0 ? `configured in ${use.configured_in.join(', ')}` : 'in no job of the config';
    lines.push(`${use.recipient}: ${use.snapshots} snapshot(s)${use.jobs.length > 0 ? ` of ${use.jobs.join(', ')}` : ''}; ${configured}`);
  }
  if (listing.passphrase_snapshots > 0) lines.push(`passphrase: ${listing.passphrase_snapshots} snapshot(s)`);
  if (listing.unencrypted_snapshots > 0) lines.push(`not encrypted: ${listing.unencrypted_snapshots} snapshot(s)`);
  return lines.join('\n');
}

export function formatKeyChange(report: KeyChangeReport): string {
  const lines: string[] = [];
  for (const s of report.snapshots) {
    const detail = s.outcome === 'failed' ? s.error : s.outcome === 'unchanged' ? s.note : `now encrypted to ${(s.recipients_after ?? []).join(', ')}${s.note ? `; ${s.note}` : ''}`;
    lines.push(`${s.outcome.padEnd(12)}  ${s.id}  ${s.job}/${s.unit}  (${s.sink})  ${detail ?? ''}`.trimEnd());
  }
  const verb = report.dry_run ? 'would remove' : 'removed';
  for (const key of report.superseded) lines.push(`${verb} ${key} (left by an interrupted rewrap)`);
  const count = (outcome: string) => report.snapshots.filter((s) => s.outcome === outcome).length;
  const changed = report.dry_run ? `${count('would rewrap')} would be rewrapped` : `${count('rewrapped')} rewrapped`;
  lines.push(`${changed}, ${count('unchanged')} unchanged, ${count('failed')} failed, of ${report.snapshots.length} snapshot(s)`);
  if (report.action === 'remove' && report.snapshots.every((s) => s.outcome === 'unchanged')) lines.push(`${report.recipient} is not a recipient of any snapshot matched: nothing to do`);
  if (report.problems.length > 0) lines.push(`${report.problems.length} manifest(s) could not be read: their snapshots were not changed (see the warnings)`);
  if (report.action === 'remove' && !report.dry_run && count('rewrapped') > 0) {
    lines.push('The removed key can still open any copy of the old objects made before now: sink versioning, bucket backups, downloads (see docs/key-rotation.md).');
  }
  if (report.advice.length > 0) lines.push('', 'Change the config so that new snapshots follow:', ...report.advice.map((line) => `  ${line}`));
  return lines.join('\n');
}
