import { ALPHANUMERIC, PASSWORD_ALPHABET, randomString } from "../../crypto/index.js";
import { VigilError } from "../../errors.js";
import type { Rotator } from "./rotator.js";

/** The named character sets the generate rotator draws from. */
export const GENERATE_ALPHABETS = Object.freeze({
  alphanumeric: ALPHANUMERIC,
  password: PASSWORD_ALPHABET,
  hex: "0123456789abcdef",
});

/** A name from {@link GENERATE_ALPHABETS}. */
export type AlphabetName = keyof typeof GENERATE_ALPHABETS;

/** Length and alphabet of generated values. */
export interface GeneratePolicy {
  /** Characters per value. Default 32 (about 190 bits with the alphanumeric set). */
  readonly length: number;
  /** Default `alphanumeric`. */
  readonly alphabet: AlphabetName;
}

/** The default generate policy: 32 alphanumeric characters. */
export const DEFAULT_GENERATE_POLICY: GeneratePolicy = Object.freeze({
  length: 32,
  alphabet: "alphanumeric",
});

/** Shortest generated value accepted: below 8 characters a value is guessable online. */
export const MIN_GENERATE_LENGTH = 8;
/** Longest generated value accepted (the vault's value limit is far above it). */
export const MAX_GENERATE_LENGTH = 4096;

/**
 * Checks a generate policy.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for a length outside 8..4096 or an unknown alphabet.
 */
export function assertGeneratePolicy(policy: GeneratePolicy): void {
  const { length, alphabet } = policy;
  if (!Number.isInteger(length) || length < MIN_GENERATE_LENGTH || length > MAX_GENERATE_LENGTH) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `a generated length must be a whole number from ${MIN_GENERATE_LENGTH} to ${MAX_GENERATE_LENGTH}`,
    );
  }
  if (!Object.hasOwn(GENERATE_ALPHABETS, alphabet)) {
    const known = Object.keys(GENERATE_ALPHABETS).join(", ");
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `unknown alphabet "${alphabet}"; use one of ${known}`,
    );
  }
}

/**
 * A value drawn uniformly from the policy's alphabet with the operating system's CSPRNG.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for an invalid policy.
 * @example
 * generateSecretValue({ length: 40, alphabet: "password" });
 */
export function generateSecretValue(policy: GeneratePolicy = DEFAULT_GENERATE_POLICY): string {
  assertGeneratePolicy(policy);
  return randomString(policy.length, GENERATE_ALPHABETS[policy.alphabet]);
}

/**
 * A rotator that ignores the old value and generates a fresh one.
 *
 * @example
 * const next = await generateRotator({ length: 40, alphabet: "password" })({ name, oldValue });
 */
export function generateRotator(policy: GeneratePolicy = DEFAULT_GENERATE_POLICY): Rotator {
  assertGeneratePolicy(policy);
  return () => generateSecretValue(policy);
}
