export type { SinkSuiteOptions } from './sink-suite.js';
export { runSinkSuite } from './sink-suite.js';
export { failingStream, generatedStream, readAll, sha256OfStream } from './streams.js';
