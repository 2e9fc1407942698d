import type { ErrorCode } from "../errors.js";

/**
 * The CLI's exit codes. Documented in README ("Exit codes"); scripts may rely on them.
 */
export const EXIT = Object.freeze({
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  auth: 4,
  integrity: 5,
  permissions: 6,
  weakPassword: 7,
  config: 8,
  busy: 9,
  healthWarning: 10,
  healthCritical: 11,
  internal: 70,
  interrupted: 130,
});

const BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  E_USAGE: EXIT.usage,
  E_INVALID_ARGUMENT: EXIT.usage,
  E_INVALID_NAME: EXIT.usage,
  E_INVALID_VALUE: EXIT.usage,
  E_NOT_FOUND: EXIT.notFound,
  E_WRONG_PASSWORD: EXIT.auth,
  E_LOCKED: EXIT.auth,
  E_REAUTH_REQUIRED: EXIT.auth,
  E_INTEGRITY: EXIT.integrity,
  E_KDF_DOWNGRADE: EXIT.integrity,
  E_UNSUPPORTED_FORMAT: EXIT.integrity,
  E_INSECURE_PERMISSIONS: EXIT.permissions,
  E_WEAK_PASSWORD: EXIT.weakPassword,
  E_CONFIG: EXIT.config,
  E_LOCK_TIMEOUT: EXIT.busy,
  E_ROTATION_IN_PROGRESS: EXIT.busy,
  E_PAYLOAD_TOO_LARGE: EXIT.usage,
};

/** The exit code for a vigil error code; anything unlisted is a plain failure (1). */
export function exitCodeFor(code: ErrorCode): number {
  return BY_CODE[code] ?? EXIT.failure;
}
