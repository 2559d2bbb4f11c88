export { GcsSink } from './gcs-sink.js';
export { gcsSinkDefinition } from './register.js';
