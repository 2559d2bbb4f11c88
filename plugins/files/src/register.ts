import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';
import { definePlugin, type SourceDefinition } from '@vya/plugin-api';
import { FilesSource } from './files-source.js';

const globs = { type: 'array', items: { type: 'string', minLength: 1 } };

export const filesSourceDefinition: SourceDefinition = {
  type: 'files',
  description: 'Directories, archived as tar (symlinks, modes and mtimes kept). Each path is one unit.',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['paths'],
    properties: {
      paths: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      include: globs,
      exclude: globs,
      concurrency: { type: 'integer', minimum: 1, maximum: 16 },
    },
  },
  create(config, context) {
    const paths = (config.paths as string[]).map((path) => {
      const expanded = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
      return isAbsolute(expanded) ? expanded : resolve(context.configDir, expanded);
    });
    return new FilesSource({ paths, include: config.include as string[] | undefined, exclude: config.exclude as string[] | undefined }, context.logger);
  },
};

export default definePlugin({ sources: [filesSourceDefinition] });
