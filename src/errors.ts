/**
 * The stable error codes vigil uses. A code never changes meaning once released; scripts may
 * branch on it. The CLI maps each code to a documented exit code (see `cli/exit-codes.ts`).
 */
export const ERROR_CODES = [
  "E_USAGE",
  "E_INVALID_ARGUMENT",
  "E_INVALID_NAME",
  "E_INVALID_VALUE",
  "E_NOT_FOUND",
  "E_EXISTS",
  "E_WRONG_PASSWORD",
  "E_LOCKED",
  "E_WEAK_PASSWORD",
  "E_INTEGRITY",
  "E_KDF_DOWNGRADE",
  "E_UNSUPPORTED_FORMAT",
  "E_INSECURE_PERMISSIONS",
  "E_LOCK_TIMEOUT",
  "E_CONFIG",
  "E_IO",
  "E_ROTATION_FAILED",
  "E_AUDIT",
  "E_MONITOR",
  "E_AGENT",
  "E_REAUTH_REQUIRED",
  "E_CHILD_FAILED",
  "E_UNKNOWN_ROUTE",
  "E_METHOD_NOT_ALLOWED",
  "E_PAYLOAD_TOO_LARGE",
  "E_ROTATION_IN_PROGRESS",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one error class vigil throws. `code` is stable, `message` says what to do next, and
 * `cause` keeps the underlying error for debugging. A message never contains a secret value:
 * callers pass names, paths and counts, never credentials.
 *
 * @example
 * throw new VigilError("E_NOT_FOUND", `no credential named "${name}"; see 'vigil vault list'`);
 */
export class VigilError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "VigilError";
    this.code = code;
  }

  /** A plain object for `--json` output and the agent's API. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `error` is a {@link VigilError}, optionally with the given code. */
export function isVigilError(error: unknown, code?: ErrorCode): error is VigilError {
  return error instanceof VigilError && (code === undefined || error.code === code);
}

/** A result for callers that branch on failure instead of catching. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: VigilError };

/** Runs `operation` and wraps its outcome in a {@link Result}; non-vigil errors are rethrown. */
export async function toResult<T>(operation: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await operation() };
  } catch (error) {
    if (error instanceof VigilError) return { ok: false, error };
    throw error;
  }
}
