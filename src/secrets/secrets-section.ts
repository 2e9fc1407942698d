import { z } from "zod";
import { VigilError } from "../errors.js";
import type { VaultTransaction } from "../vault/index.js";
import {
  historyEntrySchema,
  type RotationHistoryEntry,
  type RotationStep,
} from "./rotation-history.js";
import { type RotationPolicy, storedPolicySchema } from "./rotation-policy.js";

/** Name of the secrets manager's section inside the encrypted vault payload. */
export const SECRETS_SECTION = "secrets";

/** The last failed rotation of a secret. */
export interface RotationFailure {
  readonly at: string;
  readonly step: RotationStep;
  readonly reason: string;
}

/**
 * A rotation in progress: recorded under the vault lock before the (possibly slow) rotator
 * runs, so a second process sees it and stays away. It expires, so a crashed rotator cannot
 * block a secret forever.
 */
export interface RotationClaim {
  readonly id: string;
  readonly by: string;
  readonly at: string;
  readonly expiresAt: string;
}

/** Per-secret bookkeeping beside the policy. */
export interface SecretState {
  readonly rotationCount: number;
  readonly lastRotation?: string;
  readonly lastFailure?: RotationFailure;
  readonly claim?: RotationClaim;
}

/**
 * The decrypted section. Maps, not plain objects, because names are user input and a name like
 * `__proto__` is a valid credential name.
 */
export interface SecretsSectionData {
  policies: Map<string, RotationPolicy>;
  states: Map<string, SecretState>;
  history: Map<string, RotationHistoryEntry[]>;
}

const stateSchema = z.object({
  rotationCount: z.number().int().min(0),
  lastRotation: z.string().optional(),
  lastFailure: z
    .object({ at: z.string(), step: z.enum(["rotator", "verify", "promote"]), reason: z.string() })
    .optional(),
  claim: z
    .object({ id: z.string(), by: z.string(), at: z.string(), expiresAt: z.string() })
    .optional(),
});

/**
 * Parses the stored section (`undefined` gives an empty one).
 *
 * @throws {VigilError} `E_INTEGRITY` when it does not have the expected shape.
 */
export function parseSecretsSection(raw: unknown): SecretsSectionData {
  const data: SecretsSectionData = { policies: new Map(), states: new Map(), history: new Map() };
  if (raw === undefined) return data;
  try {
    const section = asRecord(raw);
    if (section.format !== 1) throw new TypeError("unknown secrets section format");
    for (const [name, policy] of Object.entries(asRecord(section.policies))) {
      data.policies.set(name, dropUndefined(storedPolicySchema.parse(policy)) as RotationPolicy);
    }
    for (const [name, state] of Object.entries(asRecord(section.states))) {
      data.states.set(name, dropUndefined(stateSchema.parse(state)) as SecretState);
    }
    for (const [name, entries] of Object.entries(asRecord(section.history))) {
      const parsed = z.array(historyEntrySchema).parse(entries);
      data.history.set(
        name,
        parsed.map((entry) => dropUndefined(entry) as RotationHistoryEntry),
      );
    }
  } catch (error) {
    throw new VigilError(
      "E_INTEGRITY",
      "the vault's secrets section is unreadable (written by a newer vigil?); restore a backup",
      { cause: error },
    );
  }
  return data;
}

/** The section as plain data for `tx.setSection`. */
export function serializeSecretsSection(data: SecretsSectionData): unknown {
  return {
    format: 1,
    policies: Object.fromEntries(data.policies),
    states: Object.fromEntries(data.states),
    history: Object.fromEntries(data.history),
  };
}

/** Reads the section inside a vault transaction. */
export function readSecretsSection(tx: VaultTransaction): SecretsSectionData {
  return parseSecretsSection(tx.section(SECRETS_SECTION));
}

/** Writes the section inside a vault transaction. */
export function writeSecretsSection(tx: VaultTransaction, data: SecretsSectionData): void {
  tx.setSection(SECRETS_SECTION, serializeSecretsSection(data));
}

/**
 * A plain object, checked by hand: a schema library may rebuild records by assignment, which
 * would turn a credential named `__proto__` into a prototype change instead of a key.
 */
function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("expected an object");
  }
  return value as Record<string, unknown>;
}

/**
 * Zod leaves absent optional keys out, but JSON round trips and `exactOptionalPropertyTypes`
 * both prefer no key over an `undefined` one, so any that slipped in are removed.
 */
function dropUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** True when `claim` exists and has not lapsed at `nowMs`. */
export function claimAlive(
  claim: RotationClaim | undefined,
  nowMs: number,
): claim is RotationClaim {
  return claim !== undefined && Date.parse(claim.expiresAt) > nowMs;
}
