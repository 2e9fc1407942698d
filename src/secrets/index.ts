export {
  FINGERPRINT_PURPOSE,
  fingerprintSecret,
  type HistoryAction,
  type RotationHistoryEntry,
  type RotationStep,
  type RotationTrigger,
} from "./rotation-history.js";
export type {
  PolicySource,
  RotationPolicy,
  RotatorSpec,
  VerifySpec,
} from "./rotation-policy.js";
export {
  computeSchedule,
  type RotationReason,
  type RotationSchedule,
  type RotationState,
  type ScheduleInput,
} from "./rotation-schedule.js";
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
  type DueRotation,
  type NeedsHumanReason,
  type RegisterSecretOptions,
  type RollbackResult,
  type RotateCallback,
  type RotationResult,
  type RotationStatus,
  type RotatorOption,
  SecretsManager,
  type SecretsManagerOptions,
  type SecretsRotationExport,
  type VerifyOption,
} from "./secrets-manager.js";
export { type RotationFailure, SECRETS_SECTION } from "./secrets-section.js";
