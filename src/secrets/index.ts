export {
  buildPolicy,
  type RegisterSecretOptions,
  type RotatorOption,
  type VerifyOption,
} from "./register-options.js";
export {
  FINGERPRINT_PURPOSE,
  fingerprintSecret,
  type HistoryAction,
  type RotationHistoryEntry,
  type RotationStep,
  type RotationTrigger,
} from "./rotation-history.js";
export {
  noticeDaysFor,
  type PolicySource,
  type RotationPolicy,
  type RotatorSpec,
  type VerifySpec,
} from "./rotation-policy.js";
export {
  computeSchedule,
  type RotationReason,
  type RotationSchedule,
  type RotationState,
  type ScheduleInput,
} from "./rotation-schedule.js";
export {
  type DueRotation,
  describeRotationStatus,
  type NeedsHumanReason,
  type RotationStatus,
  type RotationStatusInput,
} from "./rotation-status.js";
export {
  RotationWatcher,
  type RotationWatcherOptions,
  type WatcherEvent,
  type WatcherListener,
  type WatchOutcome,
  type WatchTarget,
} from "./rotation-watcher.js";
export { joinCommandLine, splitCommandLine } from "./rotators/command-line.js";
export {
  type CommandOutcome,
  type CommandSpec,
  commandRotator,
  commandVerifier,
  MAX_COMMAND_OUTPUT_BYTES,
  runSecretCommand,
} from "./rotators/command-rotator.js";
export {
  type AlphabetName,
  DEFAULT_GENERATE_POLICY,
  GENERATE_ALPHABETS,
  type GeneratePolicy,
  generateRotator,
  generateSecretValue,
} from "./rotators/generate-rotator.js";
export type { Rotator, RotatorContext, Verifier, VerifierContext } from "./rotators/rotator.js";
export {
  type AutoRotationOptions,
  type RollbackResult,
  type RotateCallback,
  type RotationResult,
  SecretsManager,
  type SecretsManagerOptions,
  type SecretsRotationExport,
} from "./secrets-manager.js";
export { type RotationFailure, SECRETS_SECTION } from "./secrets-section.js";
