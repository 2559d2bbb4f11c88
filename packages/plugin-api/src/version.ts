/**
 * The version of the plugin contract this copy of @vya/plugin-api describes (semver). The
 * major changes only when a plugin built for the previous major could break; the core refuses
 * a plugin whose declared major differs from its own.
 */
export const apiVersion = '1.0.0';

/** The major of a version or range (`1.2.0`, `^1.0.0`, `>=1`, `1.x` → 1); undefined if none. */
export function apiMajor(versionOrRange: string): number | undefined {
  const match = /^\s*(?:\^|~|>=|=|v)?\s*(\d+)(?:[.\s]|$|\.x)/.exec(versionOrRange);
  return match ? Number(match[1]) : undefined;
}
