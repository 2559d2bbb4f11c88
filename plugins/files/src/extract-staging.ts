import type { Readable } from 'node:stream';
import { createDeferredLinks, type DeferredLink } from './deferred-links.js';
import { extractWithGnuTar } from './extract-gnu-tar.js';
import { extractWithNodeTar } from './extract-node-tar.js';
import { gnuTarAvailable } from './gnu-tar.js';

export interface ExtractReport {
  links: number;
  /** Entries of a type a directory cannot hold as data (devices, FIFOs), skipped. */
  skipped: string[];
}

/** What an extractor wrote no file for: the symlinks to create last, the entries skipped. */
export interface ExtractedEntries {
  links: DeferredLink[];
  skipped: string[];
}

/**
 * Extracts a tar stream into `staging` (an empty directory). No symlink exists while entries
 * are written, so nothing can be written through one; the links are created at the end, with
 * their stored target text. An entry with an absolute or '..' path refuses the whole archive.
 * GNU tar extracts when installed (a small-files tree: about a quarter of the CPU and of the
 * memory of npm tar, whose many small asynchronous file operations keep two cores busy
 * switching threads; docs/performance.md), unless VYA_FILES_EXTRACTOR=node-tar.
 */
export async function extractToStaging(data: Readable, staging: string, unitName: string, signal: AbortSignal): Promise<ExtractReport> {
  const extract = useGnuTar() ? extractWithGnuTar : extractWithNodeTar;
  const { links, skipped } = await extract(data, staging, unitName, signal);
  await createDeferredLinks(staging, links, unitName);
  return { links: links.length, skipped };
}

function useGnuTar(): boolean {
  return process.env.VYA_FILES_EXTRACTOR !== 'node-tar' && gnuTarAvailable();
}
