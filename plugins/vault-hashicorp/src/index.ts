export { HashicorpVaultStore } from './hashicorp-store.js';
export { hashicorpVaultDefinition } from './register.js';
export { VaultClient } from './vault-client.js';
