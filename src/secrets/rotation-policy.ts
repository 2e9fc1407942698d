import { z } from "zod";
import type { VigilConfig } from "../config/index.js";
import { VigilError } from "../errors.js";
import { joinCommandLine, splitCommandLine } from "./rotators/command-line.js";
import {
  type AlphabetName,
  assertGeneratePolicy,
  DEFAULT_GENERATE_POLICY,
  GENERATE_ALPHABETS,
} from "./rotators/generate-rotator.js";

/**
 * How a secret gets its next value, as stored in the vault. `function` means a rotator given in
 * code: it cannot be stored, so only a process that registered the function can use it.
 */
export type RotatorSpec =
  | { readonly kind: "manual" }
  | { readonly kind: "generate"; readonly length: number; readonly alphabet: AlphabetName }
  | {
      readonly kind: "command";
      readonly command: string;
      readonly args: readonly string[];
      readonly timeoutMs?: number;
    }
  | { readonly kind: "function" };

/** How a staged value is checked before it becomes active, as stored in the vault. */
export type VerifySpec =
  | {
      readonly kind: "command";
      readonly command: string;
      readonly args: readonly string[];
      readonly timeoutMs?: number;
    }
  | { readonly kind: "function" };

/** A secret's rotation policy. Never holds a value. */
export interface RotationPolicy {
  readonly rotationDays: number;
  readonly autoRotate: boolean;
  /** Days before due to start reporting it as "soon". Default: config `notifyDaysBefore`. */
  readonly notifyDaysBefore?: number;
  readonly rotator: RotatorSpec;
  readonly verify?: VerifySpec;
  /** When and by whom it was registered; absent for a policy that comes from config. */
  readonly registeredAt?: string;
  readonly registeredBy?: string;
}

/** Where a policy in effect comes from: registered in the vault, or the config file. */
export type PolicySource = "registered" | "config";

const commandFields = {
  command: z.string().min(1),
  args: z.array(z.string()),
  timeoutMs: z.number().int().positive().optional(),
};

const alphabetSchema = z.enum(Object.keys(GENERATE_ALPHABETS) as [AlphabetName, ...AlphabetName[]]);

/** Schema of a stored {@link RotationPolicy} (the vault payload is authenticated; this guards writer bugs). */
export const storedPolicySchema = z.object({
  rotationDays: z.number().int().positive(),
  autoRotate: z.boolean(),
  notifyDaysBefore: z.number().int().min(0).optional(),
  rotator: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("manual") }),
    z.object({
      kind: z.literal("generate"),
      length: z.number().int().positive(),
      alphabet: alphabetSchema,
    }),
    z.object({ kind: z.literal("command"), ...commandFields }),
    z.object({ kind: z.literal("function") }),
  ]),
  verify: z
    .discriminatedUnion("kind", [
      z.object({ kind: z.literal("command"), ...commandFields }),
      z.object({ kind: z.literal("function") }),
    ])
    .optional(),
  registeredAt: z.string().optional(),
  registeredBy: z.string().optional(),
});

type ConfigPolicy = VigilConfig["secretsRotation"]["secrets"][string];

/**
 * The policy config gives `name` (`secretsRotation.secrets`), or `undefined`.
 *
 * @throws {VigilError} `E_CONFIG` when the entry is inconsistent (a command rotator without a
 * command, a bad length).
 */
export function policyFromConfig(config: VigilConfig, name: string): RotationPolicy | undefined {
  const secrets = config.secretsRotation.secrets;
  if (!Object.hasOwn(secrets, name)) return undefined;
  const entry = secrets[name] as ConfigPolicy;
  const where = `secretsRotation.secrets.${name}`;
  try {
    return {
      rotationDays: entry.rotationDays,
      autoRotate: entry.autoRotate,
      ...(entry.notifyDaysBefore === undefined ? {} : { notifyDaysBefore: entry.notifyDaysBefore }),
      rotator: rotatorFromConfig(entry, where),
      ...(entry.verifyCommand === undefined
        ? {}
        : { verify: { kind: "command", ...commandFromLine(entry.verifyCommand) } }),
    };
  } catch (error) {
    if (error instanceof VigilError && error.code !== "E_CONFIG") {
      throw new VigilError("E_CONFIG", `${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function rotatorFromConfig(entry: ConfigPolicy, where: string): RotatorSpec {
  if (entry.rotator === "generate") {
    const generate = {
      kind: "generate" as const,
      length: entry.length ?? DEFAULT_GENERATE_POLICY.length,
      alphabet: entry.alphabet ?? DEFAULT_GENERATE_POLICY.alphabet,
    };
    assertGeneratePolicy(generate);
    return generate;
  }
  if (entry.rotator === "command") {
    if (entry.command === undefined) {
      throw new VigilError("E_CONFIG", `${where}: the command rotator needs "command"`);
    }
    return { kind: "command", ...commandFromLine(entry.command) };
  }
  return { kind: "manual" };
}

/**
 * Splits a command line into the stored command form.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for an empty line or an unclosed quote.
 */
export function commandFromLine(line: string): { command: string; args: string[] } {
  const [command, ...args] = splitCommandLine(line);
  return { command: command as string, args };
}

/**
 * A policy in the shape of one `secretsRotation.secrets` entry of the config file, so that an
 * export can be pasted back into `vigil.config.json`. A function rotator becomes `manual`: code
 * cannot travel through a config file.
 */
export function policyToConfigEntry(policy: RotationPolicy): Record<string, unknown> {
  const { rotator, verify } = policy;
  return {
    rotationDays: policy.rotationDays,
    autoRotate: policy.autoRotate,
    rotator: rotator.kind === "function" ? "manual" : rotator.kind,
    ...(rotator.kind === "command"
      ? { command: joinCommandLine([rotator.command, ...rotator.args]) }
      : {}),
    ...(rotator.kind === "generate" ? { length: rotator.length, alphabet: rotator.alphabet } : {}),
    ...(verify?.kind === "command"
      ? { verifyCommand: joinCommandLine([verify.command, ...verify.args]) }
      : {}),
    ...(policy.notifyDaysBefore === undefined ? {} : { notifyDaysBefore: policy.notifyDaysBefore }),
  };
}

/**
 * The notice window of a policy in days: its own `notifyDaysBefore`, else the config default
 * capped at half the period, so a 7-day secret is not "due soon" from the moment it is rotated.
 */
export function noticeDaysFor(policy: RotationPolicy, config: VigilConfig): number {
  if (policy.notifyDaysBefore !== undefined) return policy.notifyDaysBefore;
  return Math.min(config.secretsRotation.notifyDaysBefore, Math.floor(policy.rotationDays / 2));
}
