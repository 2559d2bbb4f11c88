export { EnvSecretStore, envName } from './env-secret-store.js';
export { envSecretStoreDefinition } from './register.js';
