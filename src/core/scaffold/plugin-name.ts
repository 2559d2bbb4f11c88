import { VyaError } from '@vya/plugin-api';

export const PLUGIN_KINDS = ['sink', 'source', 'notifier', 'secret-store'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_LENGTH = 40;
const HINT = 'a name is lowercase letters, digits and single dashes, starting with a letter (e.g. ftp, team-store); it becomes the type name and the package vya-plugin-NAME';

/** Refuses a NAME that could not be both a config `type:` and an npm package name, saying why. */
export function validatePluginName(name: string): void {
  if (NAME.test(name) && name.length <= MAX_LENGTH) return;
  throw new VyaError(`invalid plugin name ${JSON.stringify(name)}: ${whatIsWrong(name)}`, { code: 'INVALID_PLUGIN_NAME', exitCode: 2, hint: HINT });
}

function whatIsWrong(name: string): string {
  if (name === '') return 'it is empty';
  if (name.startsWith('-')) return 'it looks like an option';
  if (/[\\/]/.test(name) || name.includes('..')) return 'it looks like a path (choose the directory with --dir)';
  if (/\s/.test(name)) return 'it contains whitespace';
  if (/[A-Z]/.test(name)) return 'it contains capital letters';
  if (name.length > MAX_LENGTH) return `it is longer than ${MAX_LENGTH} characters`;
  return 'it contains characters other than a-z, 0-9 and single dashes';
}

/** `team-store` + `secret-store` → `TeamStoreSecretStore`. */
export function className(name: string, kind: PluginKind): string {
  const pascal = (text: string) => text.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
  return pascal(name) + pascal(kind);
}
