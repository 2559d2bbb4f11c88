import { Args, Flags } from '@oclif/core';
import type { DrillSummary, DrillUnitResult } from '@vya/plugin-api';
import { VyaCommand } from '../base-command.js';
import { runDrills } from '../core/drill/run-drills.js';
import { refuseIdentityContents } from '../core/snapshots/decryption-keys.js';
import { decryptionIdentityFlag } from '../core/snapshots/identity-flag.js';

export default class Drill extends VyaCommand {
  static override summary = 'Prove that the newest snapshots restore: restore each into a scratch target, check it, drop it.';
  static override description =
    "For each unit of the named jobs (all by default), the newest snapshot is restored through the ordinary restore path into a scratch database with a new name (vya_drill_<unit>_<random>) on the unit's own server, on the job's drill.into source or on --into, or into a temporary directory for files; then every table recorded at backup time must exist, be readable and hold the recorded number of rows, and every file must match the recorded listing (path, size, mode, sha256, link target). The scratch target is dropped afterwards, also on failure, unless --keep. The restore time is recorded as the RTO in the history, metrics (vya_drill_*), notifications and reports. Exits 1 when any drill fails, with one line per failed unit saying what.";
  static override examples = ['<%= config.bin %> drill', '<%= config.bin %> drill nightly-pg --unit shop -i ~/.config/vya/age-identity.txt', '<%= config.bin %> drill nightly-pg --into pg-scratch --keep --json'];
  static override strict = false;
  static override args = { jobs: Args.string({ description: 'job names (default: every job)' }) };
  static override flags = {
    unit: Flags.string({ summary: 'Only this unit of each job.' }),
    into: Flags.string({ summary: "Restore database snapshots into this configured source (default: the job's drill.into, else the snapshot's own source)." }),
    sink: Flags.string({ summary: "Drill the copies stored in this sink (default: the job's first sink)." }),
    keep: Flags.boolean({ summary: 'Leave the scratch database or directory in place for inspection, and print where it is.' }),
    scheduled: Flags.boolean({ summary: "Apply each job's drill.schedule (jitter, timeout) as vya daemon does (used by vya schedule install).", exclusive: ['keep', 'unit', 'into'] }),
    identity: decryptionIdentityFlag,
  };

  async run(): Promise<{ ok: boolean; drills: DrillSummary[] }> {
    const { flags, argv } = await this.parse(Drill);
    const runtime = await this.runtime({ configFlag: flags.config });
    refuseIdentityContents(runtime, flags.identity ?? []);
    const drills = await runDrills(runtime, argv as string[], { unit: flags.unit, into: flags.into, keep: flags.keep, identityFiles: flags.identity ?? [], signal: this.abortSignal, scheduled: flags.scheduled, sink: flags.sink });
    for (const drill of drills) this.log(describeDrill(drill));
    const ok = drills.length > 0 && drills.every((drill) => drill.outcome === 'succeeded');
    const failures = drills.flatMap((drill) => [...(drill.error ? [`${drill.job}: drill failed: ${drill.error}`] : []), ...drill.units.filter((u) => u.status === 'failed').map(failureLine)]);
    // On stderr also with --json: the one line per failed unit is what an operator (or cron mail) reads.
    for (const line of failures) process.stderr.write(`${line}\n`);
    if (!ok) process.exitCode = 1;
    return { ok, drills };
  }
}

function describeDrill(drill: DrillSummary): string {
  const passed = drill.units.filter((unit) => unit.status === 'passed').length;
  const drilled = drill.units.filter((unit) => unit.status !== 'skipped').length;
  const lines = [`${drill.job}: drill ${drill.outcome}: ${passed}/${drilled} unit(s) restored and checked`];
  for (const unit of drill.units) {
    if (unit.status === 'skipped') {
      lines.push(`  skipped ${unit.unit}  ${unit.skipped ?? ''}`);
      continue;
    }
    const rto = unit.restoreMs === undefined ? '' : `restored in ${(unit.restoreMs / 1000).toFixed(1)}s, `;
    lines.push(`  ${unit.status === 'passed' ? 'ok    ' : 'FAILED'}  ${unit.unit}  ${unit.snapshotId ?? ''}  ${rto}${unit.checked ?? ''}`.trimEnd());
    if (unit.kept) lines.push(`          kept scratch ${unit.into === 'directory' ? 'directory' : `database on source ${unit.into}`}: ${unit.scratch}`);
  }
  return lines.join('\n');
}

/** One line per failed unit naming what failed, e.g. `nightly/shop: table public.orders missing`. */
function failureLine(unit: DrillUnitResult): string {
  const what = [unit.error, ...unit.problems].filter(Boolean);
  const shown = what.slice(0, 5).join('; ') + (what.length > 5 ? `; and ${what.length - 5} more` : '');
  return `${unit.job}/${unit.unit}: ${shown || 'drill failed'}`;
}
