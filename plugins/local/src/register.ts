import { isAbsolute, resolve } from 'node:path';
import { homedir } from 'node:os';
import { definePlugin, type SinkDefinition } from '@vya/plugin-api';
import { LocalSink } from './local-sink.js';

export const localSinkDefinition: SinkDefinition = {
  type: 'local',
  description: 'A directory on this machine (or a mounted filesystem).',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: { path: { type: 'string', minLength: 1, description: 'Repository directory; relative paths are relative to the config file.' } },
  },
  create(config, context) {
    const raw = String(config.path);
    const expanded = raw === '~' || raw.startsWith('~/') ? homedir() + raw.slice(1) : raw;
    return new LocalSink(isAbsolute(expanded) ? expanded : resolve(context.configDir, expanded));
  },
};

export default definePlugin({ sinks: [localSinkDefinition] });
