export {
  type CredentialReader,
  type InjectedCredential,
  REFERENCE_PREFIX,
  type ResolveOptions,
  referencedCredential,
  resolveEnvReferences,
} from "./env-references.js";
export {
  IMPORT_FORMATS,
  type ImportedCredential,
  type ImportFormat,
  type ImportOptions,
  type ImportReport,
  importCredentials,
  isTrackedByGit,
  MAX_IMPORT_FILE_BYTES,
  toCredentialName,
} from "./import-credentials.js";
export { type ParsedAssignment, parseDotenv } from "./import-dotenv.js";
export { type PythonVaultEntry, readPythonVault } from "./import-python-vault.js";
export {
  parseSecretsPy,
  type SecretsPyParse,
  type SkippedAssignment,
} from "./import-secrets-py.js";
export {
  CONCEALED,
  createMaskingStream,
  MIN_MASKED_LENGTH,
  partitionMaskable,
  printedForms,
  StreamingMasker,
} from "./output-masker.js";
export {
  type ChildOutcome,
  FORWARDED_SIGNALS,
  type RunChildOptions,
  type RunReport,
  type RunWithCredentialsOptions,
  runChild,
  runWithCredentials,
  WITHHELD_VARIABLES,
} from "./run-child.js";
export {
  decodeBase32,
  encodeBase32,
  formatOtpauthUri,
  hotp,
  type OtpAlgorithm,
  parseOtpauthUri,
  parseOtpInput,
  type TotpParams,
  totp,
} from "./totp.js";
