export { FilesSource, unitNameOf } from './files-source.js';
export { filesSourceDefinition } from './register.js';
