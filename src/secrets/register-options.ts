import type { VigilConfig } from "../config/index.js";
import { VigilError } from "../errors.js";
import {
  policyFromConfig,
  type RotationPolicy,
  type RotatorSpec,
  type VerifySpec,
} from "./rotation-policy.js";
import {
  type AlphabetName,
  assertGeneratePolicy,
  DEFAULT_GENERATE_POLICY,
} from "./rotators/generate-rotator.js";
import type { Rotator, Verifier } from "./rotators/rotator.js";

/** Longest rotation period accepted: a hundred years. */
const MAX_ROTATION_DAYS = 36_500;

/**
 * How a secret gets its next value: `"manual"` (a person supplies it), `"generate"` or
 * `{ kind: "generate", length, alphabet }`, `{ kind: "command", command, args }`, or a function.
 */
export type RotatorOption =
  | "manual"
  | "generate"
  | { readonly kind: "generate"; readonly length?: number; readonly alphabet?: AlphabetName }
  | {
      readonly kind: "command";
      readonly command: string;
      readonly args?: readonly string[];
      readonly timeoutMs?: number;
    }
  | Rotator;

/** How a staged value is checked: a command (exit 0 accepts) or a function. */
export type VerifyOption =
  | {
      readonly kind: "command";
      readonly command: string;
      readonly args?: readonly string[];
      readonly timeoutMs?: number;
    }
  | Verifier;

/** Options for {@link SecretsManager.registerSecret}. */
export interface RegisterSecretOptions {
  /** Default: the config policy for the name, else `secretsRotation.defaultRotationDays` (90). */
  readonly rotationDays?: number;
  /** Let the watcher rotate it unattended. Default false; needs a rotator other than manual. */
  readonly autoRotate?: boolean;
  /** Default: the config policy's rotator, else `"manual"`. */
  readonly rotator?: RotatorOption;
  readonly verify?: VerifyOption;
  /** Default: config `secretsRotation.notifyDaysBefore` (7), at most half of `rotationDays`. */
  readonly notifyDaysBefore?: number;
}

/**
 * The policy that registering `name` with `options` stores: each field left out comes from the
 * config policy of that name, then from the `secretsRotation` defaults. Functions become
 * `{ kind: "function" }`; the caller keeps the function itself.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for days out of range, a bad generate policy, a
 * command rotator without a command, or `autoRotate` with a manual rotator; `E_CONFIG` for a
 * broken config policy.
 * @example
 * buildPolicy("webhook_secret", { rotationDays: 7, rotator: "generate" }, config);
 */
export function buildPolicy(
  name: string,
  options: RegisterSecretOptions,
  config: VigilConfig,
): RotationPolicy {
  const fromConfig = policyFromConfig(config, name);
  const rotationDays =
    options.rotationDays ?? fromConfig?.rotationDays ?? config.secretsRotation.defaultRotationDays;
  assertWholeNumber(rotationDays, "rotationDays", 1, MAX_ROTATION_DAYS);
  const notifyDaysBefore = options.notifyDaysBefore ?? fromConfig?.notifyDaysBefore;
  if (notifyDaysBefore !== undefined) {
    assertWholeNumber(notifyDaysBefore, "notifyDaysBefore", 0, MAX_ROTATION_DAYS);
  }
  const rotator =
    options.rotator === undefined
      ? (fromConfig?.rotator ?? { kind: "manual" as const })
      : rotatorSpecOf(options.rotator);
  const verify = options.verify === undefined ? fromConfig?.verify : verifySpecOf(options.verify);
  const autoRotate = options.autoRotate ?? fromConfig?.autoRotate ?? false;
  if (autoRotate && rotator.kind === "manual") {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `"${name}" cannot rotate automatically without a rotator; choose generate, command or a function`,
    );
  }
  return {
    rotationDays,
    autoRotate,
    rotator,
    ...(verify === undefined ? {} : { verify }),
    ...(notifyDaysBefore === undefined ? {} : { notifyDaysBefore }),
  };
}

function rotatorSpecOf(option: RotatorOption): RotatorSpec {
  if (typeof option === "function") return { kind: "function" };
  if (option === "manual") return { kind: "manual" };
  if (option === "generate") return { ...DEFAULT_GENERATE_POLICY, kind: "generate" };
  if (option.kind === "generate") {
    const spec = {
      kind: "generate" as const,
      length: option.length ?? DEFAULT_GENERATE_POLICY.length,
      alphabet: option.alphabet ?? DEFAULT_GENERATE_POLICY.alphabet,
    };
    assertGeneratePolicy(spec);
    return spec;
  }
  return { kind: "command", ...commandSpecOf(option) };
}

function verifySpecOf(option: VerifyOption): VerifySpec {
  if (typeof option === "function") return { kind: "function" };
  return { kind: "command", ...commandSpecOf(option) };
}

function commandSpecOf(option: {
  readonly command: string;
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
}): { command: string; args: string[]; timeoutMs?: number } {
  if (typeof option.command !== "string" || option.command === "") {
    throw new VigilError("E_INVALID_ARGUMENT", "a command rotator or verifier needs a command");
  }
  const args = [...(option.args ?? [])];
  if (args.some((arg) => typeof arg !== "string")) {
    throw new VigilError("E_INVALID_ARGUMENT", "command arguments must be strings");
  }
  if (option.timeoutMs !== undefined) {
    assertWholeNumber(option.timeoutMs, "timeoutMs", 1, 24 * 60 * 60 * 1000);
  }
  return {
    command: option.command,
    args,
    ...(option.timeoutMs === undefined ? {} : { timeoutMs: option.timeoutMs }),
  };
}

function assertWholeNumber(value: number, what: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `${what} must be a whole number from ${min} to ${max}`,
    );
  }
}
