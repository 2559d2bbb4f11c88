import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from '@vya/plugin-api';
import type { DocPath } from './config-document.js';

/** One thing wrong in a config: where (as a path in the document) and what was expected. */
export interface SchemaProblem {
  path: DocPath;
  message: string;
  /** True when the problem is about the key itself (unknown key), not its value. */
  atKey?: boolean;
}

/** Shared by the compiler here and the build's precompiler (scripts/build-validators.mjs). */
export const AJV_OPTIONS = { allErrors: true, strict: false, useDefaults: false } as const;
/**
 * Written by the build next to this module, and copied beside the bundled CLI's file that
 * holds this code (scripts/bundle-cli.mjs); absent when running from the sources.
 */
const PRECOMPILED = './precompiled-validators.cjs';

// Not named `require`: the bundled CLI declares that name in every file it writes.
const requireFromHere = createRequire(import.meta.url);
const compiled = new WeakMap<JsonSchema, ValidateFunction>();
let precompiled: Record<string, ValidateFunction> | undefined;
let ajv: Ajv | undefined;

// Checks of a string's content, which a `secret:` reference can only pass once resolved.
const CONTENT_KEYWORDS = new Set(['pattern', 'minLength', 'maxLength', 'format', 'enum', 'const']);

/**
 * Validates `data` against `schema`; paths are relative to `basePath`. With
 * `deferSecretReferences`, a `secret:NAME.field` string is not held to its field's pattern or
 * length: the resolved value is validated again when the instance is created.
 */
export function validateAgainstSchema(schema: JsonSchema, data: unknown, basePath: DocPath = [], options: { deferSecretReferences?: boolean } = {}): SchemaProblem[] {
  const validate = validatorFor(schema);
  if (validate(data)) return [];
  const deferred = (error: ErrorObject) => options.deferSecretReferences === true && CONTENT_KEYWORDS.has(error.keyword) && isSecretReference(valueAt(data, error.instancePath));
  return dedupe((validate.errors ?? []).filter((error) => isUseful(error) && !deferred(error)).map((error) => describe(error, basePath)));
}

/**
 * The build precompiles the config, manifest and bundled plugins' schemas into one module
 * (ajv's standalone code): compiling them at every start cost ~90 ms of a ~0.6 s backup. A
 * schema is found there by its fingerprint, so a schema that changed since the build, or one
 * of a plugin installed later, is compiled here instead: never a stale validator.
 */
function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = precompiledValidators()[schemaFingerprint(schema)] ?? runtimeCompiler().compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function schemaFingerprint(schema: JsonSchema): string {
  return `v${createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 40)}`;
}

function precompiledValidators(): Record<string, ValidateFunction> {
  if (!precompiled) {
    try {
      precompiled = requireFromHere(PRECOMPILED) as Record<string, ValidateFunction>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
      precompiled = {};
    }
  }
  return precompiled;
}

function runtimeCompiler(): Ajv {
  ajv ??= new (requireFromHere('ajv') as typeof import('ajv')).Ajv(AJV_OPTIONS);
  return ajv;
}

function isSecretReference(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('secret:');
}

function valueAt(data: unknown, pointer: string): unknown {
  return pointerToPath(pointer).reduce<unknown>((value, part) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), data);
}

function isUseful(error: ErrorObject): boolean {
  // oneOf/anyOf/if wrappers only repeat what their branches already said.
  return !['oneOf', 'anyOf', 'if'].includes(error.keyword);
}

function describe(error: ErrorObject, basePath: DocPath): SchemaProblem {
  const path = [...basePath, ...pointerToPath(error.instancePath)];
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], message: 'unknown key', atKey: true };
    case 'required':
      return { path, message: `missing required key "${String(params.missingProperty)}"` };
    case 'enum':
      return { path, message: `must be one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'type':
      return { path, message: `must be ${articled(String(params.type))}` };
    case 'propertyNames':
      return { path: [...path, String(params.propertyName)], message: 'is not a valid name', atKey: true };
    case 'pattern':
      return { path, message: `does not match the expected form ${String(params.pattern)}` };
    case 'maximum':
      return { path, message: `must be at most ${String(params.limit)}` };
    case 'minProperties':
      return { path, message: 'must not be empty' };
    default:
      return { path, message: error.message ?? 'is not valid' };
  }
}

function articled(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false' };
  return type.split(',').map((t) => names[t] ?? t).join(' or ');
}

function pointerToPath(pointer: string): DocPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function dedupe(problems: SchemaProblem[]): SchemaProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path.join('.')}|${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function formatPath(path: DocPath): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('.').replace(/\.\[/g, '[');
}
