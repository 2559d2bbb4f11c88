export { fernetDecrypt, fernetEncrypt, fernetKey } from './fernet.js';
export { LegacyVault } from './legacy-vault.js';
export { legacyVaultDefinition, vaultFileDefinition } from './register.js';
export { VaultFileStore } from './vault-file-store.js';
export { createKeyFile } from './vault-key.js';
