import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrivateTempDir } from '@vya/plugin-api';
import { createPrivateTempDir } from '../private-temp.js';

/** Scratch databases always start with this, so that anyone listing databases knows what they are. */
export const SCRATCH_PREFIX = 'vya_drill_';

/**
 * `vya_drill_<unit>_<8 hex>`: lower-case letters, digits and '_' only (valid unquoted in every
 * engine), at most 51 characters (PostgreSQL allows 63, MySQL 64), random so that no two
 * drills, and no real database, share it.
 */
export function scratchDatabaseName(unit: string): string {
  const readable = unit.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 32) || 'unit';
  return `${SCRATCH_PREFIX}${readable}_${randomBytes(4).toString('hex')}`;
}

/**
 * A scratch directory for a files drill: a private temp dir (0700, removed at exit whatever
 * happens), or with --keep one under `<state>/drills/` that stays until the operator removes it.
 */
export async function scratchDirectory(stateDir: string, unit: string, keep: boolean): Promise<PrivateTempDir> {
  if (!keep) return createPrivateTempDir(stateDir, 'drill');
  const root = join(stateDir, 'drills');
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const path = join(root, scratchDatabaseName(unit));
  await mkdir(path, { mode: 0o700 });
  return { path, remove: async () => {} };
}
