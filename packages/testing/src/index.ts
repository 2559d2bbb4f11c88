export type { SinkSuiteOptions } from './sink-suite.js';
export { runSinkSuite } from './sink-suite.js';
export { failingStream, generatedStream, peakRssGrowth, readAll, sha256OfStream } from './streams.js';
export type { SecretStoreSuiteOptions } from './secret-store-suite.js';
export { runSecretStoreSuite } from './secret-store-suite.js';
