export { assertCredentialName, assertCredentialValue, MAX_VALUE_BYTES } from "./credential-name.js";
export {
  type CredentialInfo,
  type CredentialMetadata,
  type CredentialVersionInfo,
  EncryptedVault,
  type EncryptedVaultOptions,
  type VaultTransaction,
} from "./encrypted-vault.js";
export { inspectVaultFile, type VaultFileFacts } from "./inspect-vault.js";
export { MASTER_PASSWORD_ENV, resolveMasterPassword } from "./master-password.js";
export {
  assertStrongMasterPassword,
  assessMasterPassword,
  MIN_MASTER_PASSWORD_LENGTH,
  type PasswordAssessment,
} from "./password-strength.js";
export { VAULT_FORMAT_VERSION, VAULT_MAGIC } from "./vault-format.js";
