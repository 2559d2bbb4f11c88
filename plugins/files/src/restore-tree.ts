import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { formatBytes, VyaError, type RestoreRequest, type RestoreResult } from '@vya/plugin-api';
import { extractToStaging } from './extract-staging.js';
import type { ArchiveListing } from './list-archive.js';
import { findConflicts, moveIntoPlace } from './move-into-place.js';
import { describeRestoreError, targetError } from './restore-errors.js';

/** Staging directories live inside the target: same filesystem, so the final moves are renames. */
export const STAGING_PREFIX = '.vya-restore-';

export interface TargetState {
  directory: string;
  exists: boolean;
  /** Entries already in the target (leftover staging directories not counted). */
  entries: number;
}

/** The target must be a directory (or not exist yet); a non-empty one needs --overwrite. */
export async function inspectTarget(target: string, overwrite: boolean): Promise<TargetState> {
  const directory = resolve(target);
  let entries: string[];
  try {
    const info = await stat(directory);
    if (!info.isDirectory()) throw notADirectory(target);
    entries = (await readdir(directory)).filter((name) => !name.startsWith(STAGING_PREFIX));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { directory, exists: false, entries: 0 };
    throw targetError(error, target);
  }
  if (entries.length > 0 && !overwrite) {
    throw new VyaError(`target directory ${directory} is not empty`, {
      code: 'TARGET_NOT_EMPTY',
      exitCode: 2,
      hint: `restore into an empty directory, or pass --overwrite to replace files in ${basename(directory)}`,
    });
  }
  return { directory, exists: true, entries: entries.length };
}

/**
 * Extracts into a staging directory while the snapshot streams; only once the stream has ended
 * cleanly (the stored object's checksum and size matched) are the entries moved into place.
 * On any failure the staging directory is removed and the target is as it was.
 */
export async function restoreThroughStaging(request: RestoreRequest, directory: string, overwrite: boolean, signal: AbortSignal): Promise<RestoreResult> {
  const unit = request.unit.name;
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    throw targetError(error, directory);
  }
  const staging = await mkdtemp(join(directory, STAGING_PREFIX));
  try {
    const report = await extractToStaging(request.data, staging, unit, signal);
    const conflicts = await findConflicts(staging, directory, overwrite);
    if (conflicts.length > 0) throw conflictError(conflicts, directory, overwrite);
    const moved = await moveIntoPlace(staging, directory);
    const skipped = report.skipped.length > 0 ? `; skipped ${report.skipped.length} special file(s) (devices, FIFOs): ${report.skipped.slice(0, 5).join(', ')}` : '';
    const replaced = moved.replaced > 0 ? `; ${moved.replaced} existing entr${moved.replaced === 1 ? 'y' : 'ies'} replaced` : '';
    return {
      summary: `restored ${unit} into ${directory}${replaced}${skipped}`,
      details: { target: directory, links: report.links, replaced: moved.replaced, skipped: report.skipped.length },
    };
  } catch (error) {
    throw describeRestoreError(error, unit, directory);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export function describeDryRun(unit: string, state: TargetState, listing: ArchiveListing): RestoreResult {
  const where = state.exists ? (state.entries > 0 ? `${state.directory} (${state.entries} entries there; existing files would be replaced)` : `${state.directory} (empty)`) : `${state.directory} (would be created)`;
  const lines = [`would restore ${unit}: ${listing.files} file(s), ${formatBytes(listing.bytes)}, ${listing.directories} directories, ${listing.links} link(s) into ${where}`];
  if (listing.unsafe.length > 0) lines.push(`  the restore would refuse this snapshot: unsafe entries ${listing.unsafe.map((path) => JSON.stringify(path)).join(', ')}`);
  if (listing.skipped > 0) lines.push(`  ${listing.skipped} special file(s) (devices, FIFOs) would be skipped`);
  const shown = listing.paths.slice(0, 20);
  lines.push(...shown.map((path) => `  ${path}`));
  const hidden = listing.paths.length - shown.length + listing.more;
  if (hidden > 0) lines.push(`  ... and ${hidden} more (--json lists the first ${listing.paths.length})`);
  return { summary: lines.join('\n'), details: { target: state.directory, dry_run: true, ...listing } };
}

function notADirectory(target: string): VyaError {
  return new VyaError(`--to ${target} is not a directory`, { code: 'TARGET_NOT_DIRECTORY', exitCode: 2, hint: 'file snapshots restore into a directory: pass --to DIR (it is created when missing)' });
}

function conflictError(conflicts: string[], directory: string, overwrite: boolean): VyaError {
  const shown = conflicts.slice(0, 5).join(', ') + (conflicts.length > 5 ? ` and ${conflicts.length - 5} more` : '');
  return new VyaError(`${conflicts.length} entr${conflicts.length === 1 ? 'y' : 'ies'} already in ${directory}: ${shown}`, {
    code: 'RESTORE_CONFLICT',
    exitCode: 2,
    hint: overwrite ? 'a directory cannot be replaced by a file: move it away first; nothing was changed' : 'pass --overwrite to replace them; nothing was changed',
  });
}
