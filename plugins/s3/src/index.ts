export { S3Sink } from './s3-sink.js';
export { s3SinkDefinition } from './register.js';
