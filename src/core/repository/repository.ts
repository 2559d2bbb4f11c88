import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { errorMessage, isNotFound, isVyaError, VyaError, type Logger, type Sink } from '@vya/plugin-api';
import { decodeUnit, isManifestKey, isPartialKey, manifestKey, manifestPrefix } from './keys.js';
import { ManifestError, objectKeys, parseManifest, type Manifest } from './manifest.js';

export interface SnapshotFilter {
  job?: string;
  unit?: string;
}

/** The snapshots one sink holds, seen through their manifests. */
export class Repository {
  constructor(
    readonly sink: Sink,
    readonly sinkName: string,
    private readonly logger?: Logger,
  ) {}

  async writeManifest(manifest: Manifest, signal?: AbortSignal): Promise<string> {
    const key = manifestKey(manifest.job, manifest.unit.name, manifest.id);
    const body = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
    await this.sink.put(key, Readable.from([body]), signal);
    return key;
  }

  async readManifest(key: string): Promise<Manifest> {
    const stream = await this.sink.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return parseManifest(Buffer.concat(chunks).toString('utf8'), key);
  }

  /** The manifest keys matching the filter, whether or not their manifests can be read. */
  async manifestKeys(filter: SnapshotFilter = {}, signal?: AbortSignal): Promise<string[]> {
    const keys: string[] = [];
    for await (const info of this.sink.list(manifestPrefix(filter.job, filter.unit), signal)) {
      if (isManifestKey(info.key) && !isPartialKey(info.key)) keys.push(info.key);
    }
    return keys.sort();
  }

  /**
   * Every snapshot matching the filter, oldest first, and every manifest that could not be
   * read or failed validation, by key. A manifest deleted between listing and reading (a
   * concurrent prune) is simply gone.
   */
  async scanSnapshots(filter: SnapshotFilter = {}): Promise<SnapshotScan> {
    const limit = pLimit(8);
    const problems: ManifestProblem[] = [];
    const read = await Promise.all(
      (await this.manifestKeys(filter)).map((key) =>
        limit(async () => {
          try {
            return await this.readManifest(key);
          } catch (error) {
            if (isNotFound(error)) this.logger?.debug(`manifest ${key} was removed while listing`);
            else problems.push(problemOf(key, error));
            return undefined;
          }
        }),
      ),
    );
    const manifests = read.filter((manifest): manifest is Manifest => manifest !== undefined).sort(byTime);
    return { manifests, problems: problems.sort((a, b) => a.key.localeCompare(b.key)) };
  }

  /** Every snapshot matching the filter, oldest first; throws when any manifest is unusable. */
  async listSnapshots(filter: SnapshotFilter = {}): Promise<Manifest[]> {
    const scan = await this.scanSnapshots(filter);
    if (scan.problems.length > 0) throw unusableManifests(scan.problems, this.sinkName);
    return scan.manifests;
  }

  /**
   * Removes a snapshot: the manifest first, so that no manifest ever points at missing data;
   * an interrupted delete leaves only unreferenced data, which a re-run removes.
   */
  async deleteSnapshot(manifest: Manifest): Promise<void> {
    await this.sink.delete(manifestKey(manifest.job, manifest.unit.name, manifest.id));
    for (const key of objectKeys(manifest)) await this.sink.delete(key);
  }
}

/** A manifest key whose object could not be read or is not a valid manifest. */
export interface ManifestProblem {
  key: string;
  /** Unit and snapshot id as the key names them. */
  unit: string;
  id: string;
  code: string;
  error: string;
}

export interface SnapshotScan {
  manifests: Manifest[];
  problems: ManifestProblem[];
}

export function byTime(a: Manifest, b: Manifest): number {
  return a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id);
}

function problemOf(key: string, error: unknown): ManifestProblem {
  const [, , unit = '', name = ''] = key.split('/');
  const code = isVyaError(error) ? error.code : 'UNREADABLE_MANIFEST';
  const message = error instanceof ManifestError ? errorMessage(error) : `manifest ${key}: cannot be read (${errorMessage(error)})`;
  return { key, unit: safeDecode(unit), id: name.replace(/\.json$/, ''), code, error: message };
}

function safeDecode(segment: string): string {
  try {
    return decodeUnit(segment);
  } catch {
    return segment;
  }
}

/** One error for a set of unusable manifests: which, and why (the first few). */
export function unusableManifests(problems: ManifestProblem[], sinkName: string): VyaError {
  const tooNew = problems.find((problem) => problem.code === 'MANIFEST_TOO_NEW');
  const shown = problems.slice(0, 3).map((problem) => problem.error).join('; ');
  const more = problems.length > 3 ? `; and ${problems.length - 3} more` : '';
  return new VyaError(`${problems.length} manifest(s) in sink ${sinkName} cannot be used: ${shown}${more}`, {
    code: tooNew ? 'MANIFEST_TOO_NEW' : 'BAD_MANIFEST',
    hint: tooNew ? 'upgrade vya to read this repository' : '`vya verify --all` lists every unusable manifest; repair or remove them (vya never guesses what they referenced)',
  });
}
