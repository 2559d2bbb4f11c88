export { MongoSource } from './mongodb-source.js';
export { mongodbSourceDefinition } from './register.js';
