#!/usr/bin/env node
import { execute } from '@oclif/core/execute';
import { providePluginApi } from '../dist/provide-plugin-api.js';

providePluginApi();
await execute({ dir: import.meta.url });
