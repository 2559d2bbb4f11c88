import { Args, Flags } from '@oclif/core';
import { VyaError } from '@vya/plugin-api';
import { VyaCommand } from '../base-command.js';
import { findSnapshots, resolveSnapshot } from '../core/snapshots/find-snapshots.js';
import { manifestFailure, verifySnapshots, type VerifyResult } from '../core/verify/verify-snapshots.js';
import { refuseIdentityContents } from '../core/snapshots/decryption-keys.js';
import { decryptionIdentityFlag } from '../core/snapshots/identity-flag.js';

export default class Verify extends VyaCommand {
  static override summary = 'Re-read stored snapshots and check them end to end.';
  static override description =
    "Checks each snapshot's stored bytes against the sha256 in its manifest, then decrypts and decompresses it to the end. An encrypted snapshot without an identity (or passphrase) fails, after its stored bytes were checked, unless --sha256-only accepts a check of the stored bytes alone. Manifests that cannot be read or are not valid count as failures. Exits 1 when any snapshot fails.";
  static override examples = ['<%= config.bin %> verify nightly-pg/shop@latest -i ~/.config/vya/age-identity.txt', '<%= config.bin %> verify --all', '<%= config.bin %> verify --all --job nightly-pg --json', '<%= config.bin %> verify --all --sha256-only'];
  static override args = { snapshot: Args.string({ description: 'snapshot id, id prefix, or JOB/UNIT@latest' }) };
  static override flags = {
    all: Flags.boolean({ summary: 'Verify every snapshot (narrowed by --job/--unit/--sink).' }),
    job: Flags.string({ summary: 'With --all: only this job.' }),
    unit: Flags.string({ summary: 'With --all: only this unit.', dependsOn: ['job'] }),
    sink: Flags.string({ summary: 'Only this sink.' }),
    identity: decryptionIdentityFlag,
    'sha256-only': Flags.boolean({ summary: 'Check only the sha256 of the stored bytes: no decryption, no decompression (no identity needed).' }),
    'allow-unencrypted': Flags.boolean({ summary: 'Verify snapshots that are unencrypted although their job is configured for encryption.' }),
  };

  async run(): Promise<{ ok: boolean; results: VerifyResult[] }> {
    const { args, flags } = await this.parse(Verify);
    if (!args.snapshot && !flags.all) throw new VyaError('name a snapshot or pass --all', { code: 'USAGE', exitCode: 2, hint: 'vya verify JOB/UNIT@latest, or vya verify --all' });
    const runtime = await this.runtime({ configFlag: flags.config });
    refuseIdentityContents(runtime, flags.identity ?? []);
    const query = { job: flags.job, unit: flags.unit, sink: flags.sink };
    const listing = args.snapshot ? { snapshots: [await resolveSnapshot(runtime, args.snapshot, query)], problems: [] } : await findSnapshots(runtime, query);
    const options = { identityFiles: flags.identity ?? [], sha256Only: flags['sha256-only'], allowUnencrypted: flags['allow-unencrypted'] };
    const results = [...listing.problems.map(manifestFailure), ...(await verifySnapshots(runtime, listing.snapshots, options, this.abortSignal))];
    for (const r of results) {
      const detail = r.ok ? r.note : r.error;
      // A snapshot may be held by several sinks: each line says which copy was read.
      this.log(`${r.ok ? 'ok    ' : 'FAILED'}  ${r.id}  ${r.job}/${r.unit}  sink ${r.sink}  ${detail}`);
    }
    const ok = results.every((r) => r.ok);
    this.log(`${results.filter((r) => r.ok).length}/${results.length} snapshot(s) verified`);
    if (!ok) process.exitCode = 1;
    return { ok, results };
  }
}
