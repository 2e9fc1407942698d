import type { VigilConfig } from "../config/index.js";
import type { CredentialInfo } from "../vault/index.js";
import {
  noticeDaysFor,
  type PolicySource,
  type RotationPolicy,
  type RotatorSpec,
  type VerifySpec,
} from "./rotation-policy.js";
import { computeSchedule, type RotationReason, type RotationState } from "./rotation-schedule.js";
import { claimAlive, type RotationFailure, type SecretState } from "./secrets-section.js";

/** Where a secret's rotation stands. Never holds a value. */
export interface RotationStatus {
  readonly name: string;
  /** True while rotation is on in config (`secretsRotation.enableRotation`). */
  readonly enabled: boolean;
  readonly source: PolicySource;
  readonly rotationDays: number;
  readonly autoRotate: boolean;
  readonly rotator: RotatorSpec["kind"];
  readonly verify: VerifySpec["kind"] | null;
  readonly notifyDaysBefore: number;
  readonly hasValue: boolean;
  readonly currentVersion: number | null;
  /** When the current value was stored (by a rotation or otherwise), or null without a value. */
  readonly lastRotation: string | null;
  readonly nextRotation: string;
  readonly daysUntilRotation: number;
  readonly state: RotationState;
  readonly reason: RotationReason | null;
  readonly expires: string | null;
  /** Successful rotations made through the secrets manager. */
  readonly rotationCount: number;
  readonly lastFailure: RotationFailure | null;
  /** A rotation is in progress somewhere. */
  readonly rotating: boolean;
}

/** One secret that is due, or due soon. */
export interface DueRotation {
  readonly name: string;
  readonly state: "due" | "soon";
  readonly reason: RotationReason;
  readonly nextRotation: string;
  readonly daysUntilRotation: number;
  /** `expiry`: no rotation policy, but the credential has an `expires` date. */
  readonly source: PolicySource | "expiry";
  readonly autoRotate: boolean;
  /** Why this process cannot rotate it unattended, or null when the watcher may. */
  readonly needsHuman: NeedsHumanReason | null;
}

/** Why a due secret waits for a person. */
export type NeedsHumanReason =
  | "not_auto"
  | "no_rotator"
  | "function_not_here"
  | "rotation_disabled"
  | "no_policy";

/** What {@link describeRotationStatus} needs. */
export interface RotationStatusInput {
  readonly name: string;
  readonly policy: RotationPolicy;
  readonly source: PolicySource;
  readonly state: SecretState | undefined;
  /** The credential's metadata, or `undefined` when it has no value yet. */
  readonly info: CredentialInfo | undefined;
  readonly nowMs: number;
  readonly config: VigilConfig;
}

/** The status of one secret: its policy, schedule and bookkeeping in one record. */
export function describeRotationStatus(input: RotationStatusInput): RotationStatus {
  const { name, policy, source, state, info, nowMs } = input;
  const noticeDays = noticeDaysFor(policy, input.config);
  const schedule = computeSchedule({
    rotationDays: policy.rotationDays,
    noticeDays,
    valueSetAt: info?.updated,
    expires: info?.expires ?? null,
    nowMs,
  });
  return {
    name,
    enabled: input.config.secretsRotation.enableRotation,
    source,
    rotationDays: policy.rotationDays,
    autoRotate: policy.autoRotate,
    rotator: policy.rotator.kind,
    verify: policy.verify?.kind ?? null,
    notifyDaysBefore: noticeDays,
    hasValue: info !== undefined,
    currentVersion: info?.currentVersion ?? null,
    lastRotation: info?.updated ?? null,
    nextRotation: schedule.nextRotation,
    daysUntilRotation: schedule.daysUntilRotation,
    state: schedule.state,
    reason: schedule.reason,
    expires: info?.expires ?? null,
    rotationCount: state?.rotationCount ?? 0,
    lastFailure: state?.lastFailure ?? null,
    rotating: claimAlive(state?.claim, nowMs),
  };
}
