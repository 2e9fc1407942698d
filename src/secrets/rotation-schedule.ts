/** Milliseconds in a day. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Whether a secret needs rotating: now, soon (within the notice window), or not yet. */
export type RotationState = "due" | "soon" | "ok";

/**
 * Why a secret is due or soon: it has no value yet, its `expires` date has passed or is near,
 * or its rotation period has run out or nearly so.
 */
export type RotationReason = "no_value" | "expired" | "expiring" | "schedule";

/** What the schedule needs to know about a secret. */
export interface ScheduleInput {
  readonly rotationDays: number;
  readonly noticeDays: number;
  /** When the current value was stored, or `undefined` when there is no value. */
  readonly valueSetAt: string | undefined;
  /** The credential's expiry, or `null`. */
  readonly expires: string | null;
  readonly nowMs: number;
}

/** Where a secret stands. */
export interface RotationSchedule {
  readonly state: RotationState;
  readonly reason: RotationReason | null;
  readonly nextRotation: string;
  /** Whole days left, rounded up; 0 or below when due (negative: days overdue). */
  readonly daysUntilRotation: number;
}

/**
 * Decides whether a secret is due. The next rotation is the earlier of "value age reaches
 * `rotationDays`" and the credential's expiry; a secret without a value is due at once, since a
 * bot cannot run without it.
 *
 * @example
 * computeSchedule({ rotationDays: 30, noticeDays: 7, valueSetAt, expires: null, nowMs });
 */
export function computeSchedule(input: ScheduleInput): RotationSchedule {
  const { nowMs } = input;
  if (input.valueSetAt === undefined) {
    return {
      state: "due",
      reason: "no_value",
      nextRotation: new Date(nowMs).toISOString(),
      daysUntilRotation: 0,
    };
  }

  const scheduledMs = Date.parse(input.valueSetAt) + input.rotationDays * DAY_MS;
  const expiresMs = input.expires === null ? Number.POSITIVE_INFINITY : Date.parse(input.expires);
  const byExpiry = expiresMs <= scheduledMs;
  const nextMs = Math.min(scheduledMs, expiresMs);
  const leftMs = nextMs - nowMs;
  // Math.ceil keeps "due" and "0 days or fewer" the same thing; `|| 0` turns -0 into 0.
  const daysUntilRotation = Math.ceil(leftMs / DAY_MS) || 0;

  let state: RotationState = "ok";
  let reason: RotationReason | null = null;
  if (leftMs <= 0) {
    state = "due";
    reason = byExpiry ? "expired" : "schedule";
  } else if (leftMs <= input.noticeDays * DAY_MS) {
    state = "soon";
    reason = byExpiry ? "expiring" : "schedule";
  }
  return { state, reason, nextRotation: new Date(nextMs).toISOString(), daysUntilRotation };
}
