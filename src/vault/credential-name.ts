import { VigilError } from "../errors.js";

const NAME_PATTERN = /^[A-Za-z0-9_./-]{1,128}$/;
/** The largest value accepted, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;

/**
 * Checks a credential name: letters, digits and `_ - . /`, 1 to 128 characters.
 *
 * @throws {VigilError} `E_INVALID_NAME`
 */
export function assertCredentialName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 140)) : typeof name;
    throw new VigilError(
      "E_INVALID_NAME",
      `invalid credential name ${shown}: use 1-128 letters, digits, '_', '-', '.' or '/'`,
    );
  }
}

/**
 * Checks a credential value: a non-empty, well-formed UTF-8 string of at most 64 KiB. The
 * message never includes the value.
 *
 * @throws {VigilError} `E_INVALID_VALUE`
 */
export function assertCredentialValue(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) {
    throw new VigilError("E_INVALID_VALUE", `the value for "${name}" is empty; give a value`);
  }
  if (!value.isWellFormed()) {
    throw new VigilError("E_INVALID_VALUE", `the value for "${name}" is not valid UTF-8 text`);
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > MAX_VALUE_BYTES) {
    throw new VigilError(
      "E_INVALID_VALUE",
      `the value for "${name}" is ${bytes} bytes; the limit is ${MAX_VALUE_BYTES}`,
    );
  }
}
