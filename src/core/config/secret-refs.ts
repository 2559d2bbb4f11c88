import { secretField, VyaError, type SecretStore } from '@vya/plugin-api';

const REFERENCE = /^secret:(.+)\.([A-Za-z0-9_-]+)$/;

export interface SecretReference {
  name: string;
  field: string;
}

/** `secret:pg-main.password` → { name: 'pg-main', field: 'password' }; names may contain dots. */
export function parseSecretReference(value: string): SecretReference | undefined {
  const match = REFERENCE.exec(value);
  return match ? { name: match[1], field: match[2] } : undefined;
}

/** Every `secret:` reference in a config value, with its path, for `vya check`. */
export function findSecretReferences(value: unknown, path: string[] = []): { path: string[]; reference: SecretReference }[] {
  if (typeof value === 'string') {
    const reference = parseSecretReference(value);
    return reference ? [{ path, reference }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findSecretReferences(item, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => findSecretReferences(item, [...path, key]));
  }
  return [];
}

/**
 * A copy of `value` with every `secret:NAME.field` string replaced by the stored value.
 * `onSecret` sees each resolved value (for the redactor).
 */
export async function resolveSecretReferences<T>(
  value: T,
  store: { name: string; store: SecretStore },
  where: string,
  onSecret: (secret: string) => void,
): Promise<T> {
  const cache = new Map<string, Awaited<ReturnType<SecretStore['get']>>>();
  const resolve = async (item: unknown, path: string[]): Promise<unknown> => {
    if (typeof item === 'string') {
      const reference = parseSecretReference(item);
      if (!reference) return item;
      if (!cache.has(reference.name)) cache.set(reference.name, await store.store.get(reference.name));
      const record = cache.get(reference.name);
      const resolved = record ? secretField(record, reference.field) : undefined;
      if (resolved === undefined) {
        const what = record ? `has no field "${reference.field}"` : 'does not exist';
        throw new VyaError(`${[where, ...path].join('.')}: secret "${reference.name}" ${what} in secret store "${store.name}"`, {
          code: 'SECRET_NOT_FOUND',
          exitCode: 2,
          hint: record ? `set it with: vya secrets set ${reference.name} --field ${reference.field}=...` : `add it with: vya secrets set ${reference.name}`,
        });
      }
      // A username names who connects; it is not a secret, and hiding it would blur errors.
      if (reference.field !== 'username') onSecret(resolved);
      return resolved;
    }
    if (Array.isArray(item)) return Promise.all(item.map((entry, i) => resolve(entry, [...path, String(i)])));
    if (item && typeof item === 'object') {
      const entries = await Promise.all(Object.entries(item).map(async ([key, entry]) => [key, await resolve(entry, [...path, key])] as const));
      return Object.fromEntries(entries);
    }
    return item;
  };
  return (await resolve(value, [])) as T;
}
