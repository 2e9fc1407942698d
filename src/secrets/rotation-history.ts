import { z } from "zod";
import { hmacSha256 } from "../crypto/index.js";

/** What happened to a secret. */
export type HistoryAction = "register" | "unregister" | "rotate" | "rollback";

/** Where a rotation failed: making the value, checking it, or storing it. */
export type RotationStep = "rotator" | "verify" | "promote";

/** Who started it: a person or program through the API/CLI, or the watcher. */
export type RotationTrigger = "manual" | "watcher";

/** One line of a secret's rotation history. Never holds a value. */
export interface RotationHistoryEntry {
  readonly at: string;
  /** Who did it: the manager's `actor` (default: the OS user name). */
  readonly actor: string;
  readonly action: HistoryAction;
  readonly outcome: "success" | "failure";
  readonly trigger: RotationTrigger;
  /** The vault version that became current. */
  readonly version?: number;
  /** For a rollback: the version whose value was restored. */
  readonly restoredFrom?: number;
  /** {@link fingerprintSecret} of the value that became current. */
  readonly fingerprint?: string;
  readonly step?: RotationStep;
  /** Why it failed, in words that never include a value. */
  readonly reason?: string;
}

/** Schema of a stored {@link RotationHistoryEntry}. */
export const historyEntrySchema = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.enum(["register", "unregister", "rotate", "rollback"]),
  outcome: z.enum(["success", "failure"]),
  trigger: z.enum(["manual", "watcher"]),
  version: z.number().int().positive().optional(),
  restoredFrom: z.number().int().positive().optional(),
  fingerprint: z.string().optional(),
  step: z.enum(["rotator", "verify", "promote"]).optional(),
  reason: z.string().optional(),
});

/** The purpose name of the vault subkey that keys fingerprints. */
export const FINGERPRINT_PURPOSE = "secrets/fingerprint";

/**
 * A short keyed fingerprint of a value: HMAC-SHA256 under a vault subkey, over the name and the
 * value, first 16 bytes in hex. It tells two values apart (did the rotation change anything?
 * which version is this?) without letting anyone who lacks the vault key test guesses against
 * it, as a plain hash would for a short or low-entropy value. The name is mixed in so that one
 * value stored under two names does not show up as a match.
 *
 * @example
 * fingerprintSecret(await vault.deriveSubkey(FINGERPRINT_PURPOSE), "api_key", value);
 */
export function fingerprintSecret(key: Buffer, name: string, value: string): string {
  return hmacSha256(key, `${name}\u0000${value}`).subarray(0, 16).toString("hex");
}

/** `entries` plus `entry`, keeping only the newest `limit` (a new array; inputs untouched). */
export function appendHistory(
  entries: readonly RotationHistoryEntry[],
  entry: RotationHistoryEntry,
  limit: number,
): RotationHistoryEntry[] {
  const next = [...entries, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}
