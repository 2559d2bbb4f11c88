import type { FromSchema } from 'json-schema-to-ts';
import { definePlugin, type SinkDefinition } from '@vya/plugin-api';

const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: { path: { type: 'string', minLength: 1, description: 'Repository directory; relative paths are relative to the config file.' } },
} as const;

export const localSinkDefinition: SinkDefinition<FromSchema<typeof configSchema>> = {
  type: 'local',
  description: 'A directory on this machine (or a mounted filesystem).',
  configSchema,
  async create(config, context) {
    // Loaded on first use: every command runs this registration, few use the sink.
    const { LocalSink } = await import('./local-sink.js');
    return new LocalSink(context.resolvePath(config.path));
  },
};

export default definePlugin({ sinks: [localSinkDefinition] });
