import { errorMessage, isVyaError, VyaError, type BackupUnit, type DrillCheckResult, type DrillTarget, type DrillUnitResult, type PrivateTempDir, type Source } from '@vya/plugin-api';
import { listingAsSnapshot } from '../pipeline/listing-object.js';
import { openSnapshot } from '../pipeline/open-snapshot.js';
import type { Manifest } from '../repository/manifest.js';
import { restoreSnapshot, type RestoreOutcome } from '../restore/restore-snapshot.js';
import type { Runtime } from '../runtime.js';
import { decryptionKeysFor } from '../snapshots/decryption-keys.js';
import { scratchDatabaseName, scratchDirectory } from './scratch.js';

export interface DrillOptions {
  /** A configured source to restore database snapshots into (default: the job's drill.into, else the snapshot's own source). */
  into?: string;
  keep: boolean;
  identityFiles: string[];
  signal: AbortSignal;
}

interface Scratch {
  into: string;
  source: Source;
  target: DrillTarget;
  directory?: PrivateTempDir;
}

/**
 * Restores one snapshot into a scratch target through the ordinary restore path, checks what
 * arrived against what the backup recorded, and removes the scratch target again, whatever
 * happened (unless `keep`). Never throws: every failure is a finding of the drill.
 */
export async function drillUnit(runtime: Runtime, manifest: Manifest, sinkName: string, options: DrillOptions): Promise<DrillUnitResult> {
  const startedAt = new Date();
  const result: DrillUnitResult = { job: manifest.job, unit: manifest.unit.name, sink: sinkName, snapshotId: manifest.id, snapshotTime: manifest.started_at, kept: false, status: 'failed', startedAt: startedAt.toISOString(), finishedAt: '', problems: [] };
  let scratch: Scratch | undefined;
  let created = false;
  const skip = await skipReason(runtime, manifest);
  if (skip) return { ...result, status: 'skipped', skipped: skip, finishedAt: new Date().toISOString() };
  try {
    scratch = await prepareScratch(runtime, manifest, options);
    Object.assign(result, { into: scratch.into, scratch: scratch.target.database ?? scratch.target.directory });
    const restoreStart = performance.now();
    const restored = await restoreSnapshot(runtime, manifest.id, { to: scratch.target.directory ?? scratch.into, database: scratch.target.database, identityFiles: options.identityFiles, sink: sinkName }, options.signal);
    result.restoreMs = Math.round(performance.now() - restoreStart);
    created = scratch.target.directory !== undefined || restored.details?.created !== false;
    if (!created) throw scratchNotOurs(restored, scratch);
    const checkStart = performance.now();
    const check = await checkRestored(runtime, manifest, sinkName, scratch, options);
    result.checkMs = Math.round(performance.now() - checkStart);
    Object.assign(result, { checked: check.checked, problems: check.problems.map((line) => runtime.redactor.redact(line)) });
    result.status = check.problems.length === 0 ? 'passed' : 'failed';
  } catch (error) {
    result.error = runtime.redactor.redact(errorMessage(error));
    created ||= scratch?.target.directory !== undefined || (scratch !== undefined && scratchWasCreated(error));
  } finally {
    if (scratch) result.kept = await cleanUp(runtime, scratch, options.keep, created, result);
    result.finishedAt = new Date().toISOString();
  }
  return result;
}

async function skipReason(runtime: Runtime, manifest: Manifest): Promise<string | undefined> {
  try {
    return (await ownSource(runtime, manifest)).cannotDrill?.({ name: manifest.unit.name, kind: manifest.unit.kind });
  } catch {
    return undefined; // reported by the drill itself
  }
}

async function prepareScratch(runtime: Runtime, manifest: Manifest, options: DrillOptions): Promise<Scratch> {
  const own = await ownSource(runtime, manifest);
  if (own.restoresInto === 'directory') {
    const directory = await scratchDirectory(runtime.stateDir, manifest.unit.name, options.keep);
    return { into: 'directory', source: own, target: { directory: directory.path }, directory };
  }
  const into = options.into ?? runtime.config.jobs[manifest.job]?.drill?.into ?? manifest.source.name;
  const source = into === manifest.source.name ? own : await targetSource(runtime, manifest, into);
  if (!source.assertScratchFree || !source.dropScratch) {
    throw new VyaError(`source type ${manifest.source.type} does not support restore drills (it cannot create and drop a scratch database)`, { code: 'DRILL_UNSUPPORTED', exitCode: 2, hint: 'update the plugin, or drill another job' });
  }
  const database = scratchDatabaseName(manifest.unit.name);
  await source.assertScratchFree(database, options.signal);
  return { into, source, target: { database } };
}

async function ownSource(runtime: Runtime, manifest: Manifest): Promise<Source> {
  if (!(manifest.source.name in runtime.config.sources)) {
    const same = Object.entries(runtime.config.sources).find(([, config]) => config.type === manifest.source.type)?.[0];
    if (same) return runtime.source(same);
    throw new VyaError(`snapshot ${manifest.id} comes from source ${manifest.source.name}, which the config no longer defines`, { code: 'RESTORE_NO_SOURCE', exitCode: 2, hint: `add a ${manifest.source.type} source, or pass --into` });
  }
  return runtime.source(manifest.source.name);
}

async function targetSource(runtime: Runtime, manifest: Manifest, into: string): Promise<Source> {
  const configured = runtime.config.sources[into];
  if (!configured) throw new VyaError(`--into "${into}" is not a configured source`, { code: 'RESTORE_UNKNOWN_TARGET', exitCode: 2, hint: `name a ${manifest.source.type} source` });
  if (configured.type !== manifest.source.type) {
    throw new VyaError(`cannot drill a ${manifest.source.type} snapshot into source "${into}" of type ${configured.type}`, { code: 'RESTORE_TYPE_MISMATCH', exitCode: 2, hint: `name a ${manifest.source.type} source with --into` });
  }
  return runtime.source(into);
}

/** The source's own check of the restored target, fed the stored listing when the snapshot has one. */
async function checkRestored(runtime: Runtime, manifest: Manifest, sinkName: string, scratch: Scratch, options: DrillOptions): Promise<DrillCheckResult> {
  if (!scratch.source.drillCheck) return { checked: 'restore only (this source type has no drill check)', problems: [] };
  const unit: BackupUnit = { name: manifest.unit.name, kind: manifest.unit.kind };
  // Identities and secrets are read only by a check that opens a stored object, and once.
  let keys: ReturnType<typeof decryptionKeysFor> | undefined;
  const open = async (object: Manifest, signal: AbortSignal) => (await openSnapshot(await runtime.sink(sinkName), object, await (keys ??= decryptionKeysFor(runtime, manifest, options.identityFiles)), signal)).data;
  const listingManifest = listingAsSnapshot(manifest);
  const listing = listingManifest ? await open(listingManifest, options.signal) : undefined;
  const openData = (signal: AbortSignal) => open(manifest, signal);
  try {
    return await scratch.source.drillCheck({ unit, target: scratch.target, metadata: manifest.source_metadata, listing, openData }, options.signal);
  } finally {
    if (listing && !listing.readableEnded) listing.destroy();
  }
}

/** Drops what this drill created; with --keep, leaves it and says where. Returns whether it was kept. */
async function cleanUp(runtime: Runtime, scratch: Scratch, keep: boolean, created: boolean, result: DrillUnitResult): Promise<boolean> {
  if (!created) return false;
  if (keep) return true;
  try {
    if (scratch.directory) await scratch.directory.remove();
    else await scratch.source.dropScratch?.(scratch.target, new AbortController().signal);
    return false;
  } catch (error) {
    const where = scratch.target.database ?? scratch.target.directory;
    result.status = 'failed';
    result.problems.push(runtime.redactor.redact(`scratch ${where} could not be removed: ${errorMessage(error)}`));
    return true;
  }
}

/**
 * After a failed restore, the scratch database may exist (a source that could not drop what
 * it created): drop it to be sure, since its random name was checked to be free. Not when the
 * restore found a database of that name already there: that one is not the drill's.
 */
function scratchWasCreated(error: unknown): boolean {
  return !(isVyaError(error) && (error.code === 'DRILL_SCRATCH_EXISTS' || error.code === 'RESTORE_TARGET_NOT_EMPTY'));
}

function scratchNotOurs(restored: RestoreOutcome, scratch: Scratch): VyaError {
  return new VyaError(`the restore went into database ${scratch.target.database}, which existed before the drill (${restored.summary}); it is left as it is`, { code: 'DRILL_SCRATCH_EXISTS', hint: 'drop it by hand if it is a leftover drill database' });
}
