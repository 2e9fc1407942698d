import type { ErrorCode } from "../errors.js";

const STATUS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  E_USAGE: 400,
  E_INVALID_ARGUMENT: 400,
  E_INVALID_NAME: 400,
  E_INVALID_VALUE: 400,
  E_WRONG_PASSWORD: 401,
  E_REAUTH_REQUIRED: 401,
  E_NOT_FOUND: 404,
  E_UNKNOWN_ROUTE: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_EXISTS: 409,
  E_PAYLOAD_TOO_LARGE: 413,
  E_WEAK_PASSWORD: 422,
  E_LOCKED: 423,
  E_LOCK_TIMEOUT: 503,
};

/**
 * The HTTP status the agent answers for an error code; anything unlisted (integrity, I/O,
 * internal) is 500. Clients should branch on the code in the body, not on the status.
 *
 * @example
 * httpStatusFor("E_LOCKED"); // 423
 */
export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}
