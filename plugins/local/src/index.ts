export { LocalSink } from './local-sink.js';
export { localSinkDefinition } from './register.js';
