import { VyaError, type Source } from '@vya/plugin-api';
import type { Manifest } from '../repository/manifest.js';
import type { Runtime } from '../runtime.js';

export interface RestoreTarget {
  /** The configured source that restores. */
  name: string;
  source: Source;
  /** The directory given with --to, for sources that restore into one (file sets). */
  directory?: string;
  /** True when `name` is the source the snapshot was taken from. */
  original: boolean;
}

/**
 * `--to` is required. For a source that restores into a directory (file sets) it is that
 * directory; otherwise it must name a configured source of the snapshot's type. Anything else
 * is an error that lists the candidates, never a silent fall-back to the original database.
 */
export async function restoreTarget(runtime: Runtime, manifest: Manifest, to: string | undefined): Promise<RestoreTarget> {
  const type = manifest.source.type;
  const sources = runtime.config.sources;
  const candidates = Object.keys(sources).filter((name) => sources[name].type === type);
  const probe = candidates.includes(manifest.source.name) ? manifest.source.name : candidates[0];
  if (probe === undefined) {
    throw new VyaError(`snapshot ${manifest.id} is a ${type} snapshot, and the config has no ${type} source to restore it with`, {
      code: 'RESTORE_NO_SOURCE',
      exitCode: 2,
      hint: `add a source of type ${type} to the config`,
    });
  }
  const probeSource = await runtime.source(probe);
  if (probeSource.restoresInto === 'directory') {
    if (!to) throw missingTarget(manifest, 'a directory to restore the files into', `--to /path/to/restored`);
    return { name: probe, source: probeSource, directory: to, original: probe === manifest.source.name };
  }
  const listed = `${type} sources in the config: ${candidates.join(', ')}`;
  if (!to) throw missingTarget(manifest, `the ${type} source to restore into (${listed})`, `--to ${probe}${probe === manifest.source.name ? ' --database NEW_NAME' : ''}`);
  if (!(to in sources)) {
    throw new VyaError(`--to "${to}" is not a configured source; ${listed}`, { code: 'RESTORE_UNKNOWN_TARGET', exitCode: 2, hint: `name one of them with --to` });
  }
  if (sources[to].type !== type) {
    throw new VyaError(`cannot restore a ${type} snapshot into source "${to}" of type ${sources[to].type}; ${listed}`, {
      code: 'RESTORE_TYPE_MISMATCH',
      exitCode: 2,
      hint: `choose a ${type} source with --to`,
    });
  }
  return { name: to, source: to === probe ? probeSource : await runtime.source(to), original: to === manifest.source.name };
}

function missingTarget(manifest: Manifest, what: string, example: string): VyaError {
  return new VyaError(`restoring snapshot ${manifest.id} needs --to: ${what}`, { code: 'RESTORE_TARGET_REQUIRED', exitCode: 2, hint: `e.g. ${example}` });
}
