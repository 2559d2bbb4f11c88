export { PostgresSource } from './postgres-source.js';
export { postgresSourceDefinition } from './register.js';
