import { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { errorMessage, type Logger, type Sink } from '../../plugin-api/index.js';
import { isManifestKey, manifestKey, manifestPrefix } from './keys.js';
import { parseManifest, type Manifest } from './manifest.js';

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

  /** Every snapshot matching the filter, oldest first. Unreadable manifests are skipped with a warning. */
  async listSnapshots(filter: SnapshotFilter = {}): Promise<Manifest[]> {
    const keys: string[] = [];
    for await (const info of this.sink.list(manifestPrefix(filter.job, filter.unit))) {
      if (isManifestKey(info.key)) keys.push(info.key);
    }
    const limit = pLimit(8);
    const manifests = await Promise.all(
      keys.map((key) =>
        limit(async () => {
          try {
            return await this.readManifest(key);
          } catch (error) {
            this.logger?.warn(`skipping unreadable manifest ${key} in sink ${this.sinkName}: ${errorMessage(error)}`);
            return undefined;
          }
        }),
      ),
    );
    return manifests
      .filter((manifest): manifest is Manifest => manifest !== undefined)
      .filter((manifest) => filter.unit === undefined || manifest.unit.name === filter.unit)
      .sort((a, b) => a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id));
  }

  /**
   * Removes a snapshot: the manifest first, so that no manifest ever points at missing data;
   * an interrupted delete leaves only unreferenced data, which a re-run removes.
   */
  async deleteSnapshot(manifest: Manifest): Promise<void> {
    await this.sink.delete(manifestKey(manifest.job, manifest.unit.name, manifest.id));
    await this.sink.delete(manifest.data_key);
  }
}
