import argon2 from "argon2";

/** Argon2id cost parameters, as stored in a vault header. */
export interface Argon2idParams {
  /** Memory in KiB. */
  readonly memoryKiB: number;
  /** Passes over memory. */
  readonly iterations: number;
  /** Lanes. */
  readonly parallelism: number;
}

/** RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes. */
export const DEFAULT_ARGON2ID: Argon2idParams = Object.freeze({
  memoryKiB: 64 * 1024,
  iterations: 3,
  parallelism: 4,
});

/**
 * OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane). A stored header below it is treated
 * as a downgrade attack: someone lowered the cost to make offline guessing cheap.
 */
export const MINIMUM_ARGON2ID: Argon2idParams = Object.freeze({
  memoryKiB: 19 * 1024,
  iterations: 2,
  parallelism: 1,
});

/** Ceilings that keep a hostile header from making unlock take unbounded memory or time. */
export const MAXIMUM_ARGON2ID: Argon2idParams = Object.freeze({
  memoryKiB: 4 * 1024 * 1024,
  iterations: 64,
  parallelism: 64,
});

/** True when every parameter is at or above OWASP's minimum. */
export function meetsMinimum(params: Argon2idParams): boolean {
  return (
    params.memoryKiB >= MINIMUM_ARGON2ID.memoryKiB &&
    params.iterations >= MINIMUM_ARGON2ID.iterations &&
    params.parallelism >= MINIMUM_ARGON2ID.parallelism
  );
}

/** True when no parameter exceeds {@link MAXIMUM_ARGON2ID} and memory covers 8 KiB per lane. */
export function withinMaximum(params: Argon2idParams): boolean {
  return (
    params.memoryKiB <= MAXIMUM_ARGON2ID.memoryKiB &&
    params.iterations <= MAXIMUM_ARGON2ID.iterations &&
    params.parallelism <= MAXIMUM_ARGON2ID.parallelism &&
    params.memoryKiB >= 8 * params.parallelism
  );
}

/**
 * Derives a 32-byte key from a password with Argon2id (version 0x13).
 *
 * @example
 * const key = await deriveArgon2idKey("correct horse battery staple", salt, DEFAULT_ARGON2ID);
 */
export async function deriveArgon2idKey(
  password: string | Buffer,
  salt: Buffer,
  params: Argon2idParams,
  keyLength = 32,
): Promise<Buffer> {
  return argon2.hash(password, {
    type: argon2.argon2id,
    raw: true,
    salt,
    memoryCost: params.memoryKiB,
    timeCost: params.iterations,
    parallelism: params.parallelism,
    hashLength: keyLength,
    version: 0x13,
  });
}
