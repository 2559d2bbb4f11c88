import { errorMessage, isVyaError, VyaError, type Logger, type Sink } from '@vya/plugin-api';
import type { Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import type { Readable } from 'node:stream';
import type { CompressionConfig } from '../config/types.js';
import type { ManifestListing } from '../repository/manifest.js';
import type { EncryptionPlan } from './encryption.js';
import { FanOut } from './fan-out.js';
import { listingKey, storeListing } from './listing-object.js';

/** One sink a unit's stored bytes go to. */
export interface SinkTarget {
  name: string;
  instance: Sink;
  repository: Repository;
}

export interface SinkFailure {
  sink: string;
  error: unknown;
}

/** What a fan-out backup stored: the manifest of each sink that committed, and each that did not. */
export interface FanOutResult {
  manifests: Manifest[];
  failures: SinkFailure[];
}

/**
 * The sink side of one backup: the stored stream goes to every target through one FanOut
 * (`tee`), each target's put on its own branch. A target whose put fails is detached and
 * loses its object; the others commit. Only when every target failed does the backup fail.
 */
export class SinkFanOut {
  readonly tee: FanOut;
  private readonly failures = new Map<string, unknown>();
  /** Objects stored beside the data object (the listing): they go and come with it. */
  private readonly companionKeys: string[] = [];

  constructor(
    private readonly targets: SinkTarget[],
    private readonly key: string,
    private readonly logger: Logger,
  ) {
    this.tee = new FanOut(targets.length);
  }

  /** Starts every put; settles when all have: resolves when at least one stored the object. */
  async store(signal: AbortSignal): Promise<void> {
    await this.putEverywhere(this.key, this.tee, signal);
  }

  /**
   * Stores the source's listing beside the data object in every sink, from one encryption of
   * it. A sink that cannot store the listing fails as a whole (its data object goes too).
   */
  storeListing(listing: Readable, what: { job: string; unit: string; id: string; compression: CompressionConfig; encryption: EncryptionPlan | undefined }, signal: AbortSignal): Promise<ManifestListing> {
    const key = listingKey(what);
    this.companionKeys.push(key);
    const tee = new FanOut(this.targets.length);
    // A sink that failed on the data already is not fed the listing.
    this.targets.forEach((target, index) => this.failures.has(target.name) && tee.detach(index, this.failures.get(target.name)));
    return storeListing(listing, { key, compression: what.compression, encryption: what.encryption, tee, putAll: (s) => this.putEverywhere(key, tee, s) }, signal);
  }

  private async putEverywhere(key: string, tee: FanOut, signal: AbortSignal): Promise<void> {
    await Promise.all(
      this.targets.map(async (target, index) => {
        if (!tee.attached(index)) return;
        try {
          await target.instance.put(key, tee.branch(index), signal);
        } catch (error) {
          this.fail(target, error, signal);
          tee.detach(index, error);
          if (tee !== this.tee) this.tee.detach(index, error);
        }
      }),
    );
    if (this.failures.size === this.targets.length) throw this.everyTargetFailed();
  }

  /**
   * Writes each stored target's own manifest (its `sink` is that target's name). A target whose
   * manifest cannot be written loses its data object too. Fails when none committed.
   */
  async commit(manifest: Manifest, signal: AbortSignal): Promise<FanOutResult> {
    const manifests: Manifest[] = [];
    for (const target of this.targets) {
      if (this.failures.has(target.name)) {
        // Its listing or its data may have been stored before the other failed.
        await this.removeFrom(target);
        continue;
      }
      const own = { ...manifest, sink: target.name };
      try {
        await target.repository.writeManifest(own, signal);
        manifests.push(own);
      } catch (error) {
        this.fail(target, error, signal);
        await this.removeFrom(target);
      }
    }
    if (manifests.length === 0) throw this.everyTargetFailed();
    return { manifests, failures: this.targets.filter((t) => this.failures.has(t.name)).map((t) => ({ sink: t.name, error: this.failures.get(t.name) })) };
  }

  /** Removes the data object from every target (the backup failed as a whole). */
  async removeEverywhere(): Promise<void> {
    await Promise.all(this.targets.map((target) => this.removeFrom(target)));
  }

  private async removeFrom(target: SinkTarget): Promise<void> {
    for (const key of [this.key, ...this.companionKeys]) await removeQuietly(target.instance, key, this.logger);
  }

  private fail(target: SinkTarget, error: unknown, signal: AbortSignal): void {
    if (this.failures.has(target.name)) return;
    this.failures.set(target.name, error);
    if (this.targets.length > 1 && !signal.aborted) this.logger.warn(`sink ${target.name} failed, the other sinks go on: ${errorMessage(error)}`);
  }

  /** With one target its own error, unchanged; with several, one error naming each sink. */
  private everyTargetFailed(): unknown {
    const first = this.failures.get(this.targets[0].name);
    if (this.targets.length === 1) return first;
    const each = this.targets.map((target) => `sink ${target.name}: ${errorMessage(this.failures.get(target.name))}`).join('; ');
    return new VyaError(`every sink failed: ${each}`, { code: isVyaError(first) ? first.code : 'BACKUP_FAILED', hint: isVyaError(first) ? first.hint : undefined, cause: first });
  }
}

export async function removeQuietly(sink: Sink, key: string, logger: Logger): Promise<void> {
  try {
    await sink.delete(key);
  } catch (error) {
    logger.warn(`could not remove partial object ${key}: ${errorMessage(error)}`);
  }
}
