/**
 * vigil's library API: the encrypted vault, the secrets manager, the audit trail and the
 * account monitor, with the shared pieces (config, clock, errors) they take.
 */
export {
  AgentSession,
  type AgentSessionOptions,
  agentModules,
  agentSocketPath,
  type LockReason,
  type RunningAgent,
  type SessionStatus,
  type StartAgentOptions,
  startAgent,
} from "./agent/index.js";
export {
  AUDIT_EVENT_TYPES,
  AUDIT_SEVERITIES,
  type AuditEventInput,
  type AuditEventType,
  type AuditKeySource,
  AuditLogger,
  type AuditLoggerOptions,
  type AuditQuery,
  type AuditRawKeys,
  type AuditRecord,
  type AuditSeverity,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOptions,
  type SyslogOptions,
  type TrailBreak,
  type VerifyReport,
  verifyTrail,
} from "./audit/index.js";
export type { AuditSink, AuditSinkEvent } from "./audit-sink.js";
export { type CancelTimer, type Clock, ManualClock, systemClock } from "./clock.js";
export {
  configSchema,
  loadConfig,
  parseConfig,
  type VigilConfig,
  type VigilConfigInput,
} from "./config/index.js";
export { type Argon2idParams, DEFAULT_ARGON2ID, MINIMUM_ARGON2ID } from "./crypto/index.js";
export {
  ERROR_CODES,
  type ErrorCode,
  isVigilError,
  type Result,
  toResult,
  VigilError,
} from "./errors.js";
export {
  CONCEALED,
  type ImportFormat,
  type ImportOptions,
  type ImportReport,
  importCredentials,
  parseDotenv,
  parseOtpauthUri,
  parseOtpInput,
  parseSecretsPy,
  type RunReport,
  type RunWithCredentialsOptions,
  readPythonVault,
  resolveEnvReferences,
  runWithCredentials,
  StreamingMasker,
  type TotpParams,
  totp,
} from "./integrations/index.js";
export {
  AccountMonitor,
  type AccountMonitorOptions,
  type ActivitySummary,
  type Anomaly,
  type AnomalyListener,
  type AnomalyType,
  classifyNotice,
  decidePace,
  GeoIpLocator,
  type HealthReport,
  type HealthStatus,
  healthScore,
  type LoginLocation,
  type NoticeKind,
  type PaceDecision,
  type RecordedActivity,
  type RecordedNotice,
  type Severity,
} from "./monitor/index.js";
export {
  type AutoRotationOptions,
  type CommandSpec,
  type DueRotation,
  generateSecretValue,
  type RegisterSecretOptions,
  type RollbackResult,
  type RotateCallback,
  type RotationHistoryEntry,
  type RotationResult,
  type RotationStatus,
  RotationWatcher,
  type Rotator,
  type RotatorContext,
  type RotatorOption,
  SecretsManager,
  type SecretsManagerOptions,
  type SecretsRotationExport,
  type Verifier,
  type VerifyOption,
  type WatcherEvent,
} from "./secrets/index.js";
export { resolveHome } from "./storage/index.js";
export {
  type CredentialInfo,
  type CredentialMetadata,
  type CredentialVersionInfo,
  EncryptedVault,
  type EncryptedVaultOptions,
  MASTER_PASSWORD_ENV,
  type VaultTransaction,
} from "./vault/index.js";
