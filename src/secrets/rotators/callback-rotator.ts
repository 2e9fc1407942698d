import { VigilError } from "../../errors.js";
import type { Rotator, RotatorContext, Verifier, VerifierContext } from "./rotator.js";

/**
 * Runs a rotator given in code and checks what it returned. A foreign error is reported by its
 * class name only, since its message may quote the value it was handling.
 *
 * @throws {VigilError} `E_ROTATION_FAILED` when the function throws or returns no string.
 * @example
 * const value = await runRotatorFunction(rotator, { name: "api_key", oldValue });
 */
export async function runRotatorFunction(
  rotator: Rotator,
  context: RotatorContext,
): Promise<string> {
  let value: unknown;
  try {
    value = await rotator(context);
  } catch (error) {
    throw foreignFailure(error, `the rotator function for "${context.name}"`);
  }
  if (typeof value !== "string" || value === "") {
    throw new VigilError(
      "E_ROTATION_FAILED",
      `the rotator function for "${context.name}" returned ${value === "" ? "an empty string" : typeof value}; it must return the new value`,
    );
  }
  return value;
}

/**
 * Runs a verifier given in code. Anything but `false` accepts the value (so a function that only
 * throws on failure works too).
 *
 * @throws {VigilError} `E_ROTATION_FAILED` when it returns `false` or throws.
 */
export async function runVerifierFunction(
  verifier: Verifier,
  context: VerifierContext,
): Promise<void> {
  let verdict: boolean | undefined;
  try {
    verdict = await verifier(context);
  } catch (error) {
    throw foreignFailure(error, `the verify step for "${context.name}"`);
  }
  if (verdict === false) {
    throw new VigilError("E_ROTATION_FAILED", `the verify step rejected the new "${context.name}"`);
  }
}

function foreignFailure(error: unknown, what: string): VigilError {
  if (error instanceof VigilError) {
    return new VigilError("E_ROTATION_FAILED", `${what} failed: ${error.message}`, {
      cause: error,
    });
  }
  const kind = error instanceof Error ? error.name : typeof error;
  return new VigilError("E_ROTATION_FAILED", `${what} threw ${kind}`, { cause: error });
}
