import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type SourceDefinition } from '@vya/plugin-api';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['paths'],
  properties: {
    paths: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    include: globs,
    exclude: globs,
    concurrency: { type: 'integer', minimum: 1, maximum: 16 },
  },
} as const;

export const filesSourceDefinition: SourceDefinition<FromSchema<typeof configSchema>> = {
  type: 'files',
  description: 'Directories, archived as tar (symlinks, modes and mtimes kept). Each path is one unit.',
  configSchema,
  async create(config, context) {
    // Loaded on first use: every command runs this registration, few use the source.
    const { FilesSource } = await import('./files-source.js');
    const paths = config.paths.map((path) => context.resolvePath(path));
    return new FilesSource({ paths, include: config.include ? [...config.include] : undefined, exclude: config.exclude ? [...config.exclude] : undefined }, context.logger);
  },
};

export default definePlugin({ sources: [filesSourceDefinition] });
