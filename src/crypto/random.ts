import { randomBytes, randomInt } from "node:crypto";

/** Letters and digits. */
export const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Letters, digits and the symbols most sites accept in passwords. */
export const PASSWORD_ALPHABET = `${ALPHANUMERIC}!#$%&()*+,-./:;<=>?@[]^_{|}~`;

/** `count` bytes from the operating system's CSPRNG. */
export function randomKey(count = 32): Buffer {
  return randomBytes(count);
}

/**
 * A string of `length` characters drawn uniformly from `alphabet` (no modulo bias:
 * `crypto.randomInt` rejects out-of-range draws).
 */
export function randomString(length: number, alphabet: string = ALPHANUMERIC): string {
  const symbols = [...new Set(alphabet)];
  if (symbols.length < 2) throw new RangeError("alphabet needs at least two distinct characters");
  let out = "";
  for (let i = 0; i < length; i++) out += symbols[randomInt(symbols.length)];
  return out;
}
