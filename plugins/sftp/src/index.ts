export { SftpSink, type SftpSinkOptions } from './sftp-sink.js';
export { sftpSinkDefinition } from './register.js';
export { fingerprintOf } from './host-key.js';
