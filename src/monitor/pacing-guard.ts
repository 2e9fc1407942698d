import type { DetectedAnomaly } from "./anomaly.js";
import type { MonitorSettings } from "./detectors/detector.js";

const HOUR_MS = 60 * 60 * 1000;

/** Which rule decided a {@link PaceDecision}. */
export type PaceRule =
  | "ok"
  | "min_gap"
  | "hourly_rate"
  | "token_bucket"
  | "slow_down_backoff"
  | "slow_down_stop"
  | "daily_cap"
  | "daily_limit_notice"
  | "critical_anomaly";

/** The pacing guard's answer before an application. */
export interface PaceDecision {
  /** Go ahead now. */
  readonly allow: boolean;
  /** How long to wait before asking again (0 when allowed). */
  readonly waitMs: number;
  /** Why, for a log line. */
  readonly reason: string;
  readonly rule: PaceRule;
  /** True when waiting a little will not help (daily cap, platform limit, critical anomaly). */
  readonly stop: boolean;
}

/** Everything {@link decidePace} needs; the monitor reads it from the shared database. */
export interface PaceInput {
  readonly nowMs: number;
  readonly settings: Pick<MonitorSettings, "thresholds" | "pacing">;
  /** Application times (ascending) since at least {@link paceLookbackMs} ago. */
  readonly recentApplications: readonly number[];
  /** The latest application and the random part of the gap drawn when it was recorded. */
  readonly lastApplication?: { readonly at: number; readonly jitterMs: number };
  readonly applicationsToday: number;
  /** Slow-down notice times (ascending) since local midnight. */
  readonly slowDownNoticesToday: readonly number[];
  readonly dailyLimitNoticeToday: boolean;
  /** When the next local day begins (ms). */
  readonly nextDayStartsAt: number;
  readonly activeAnomalies: readonly DetectedAnomaly[];
}

/**
 * The application rate the guard paces to: `floor(maxApplicationsPerHour * hourlyMarginRatio)`,
 * at least 1 (default 15 an hour for a burst threshold of 20).
 */
export function pacedHourlyLimit(settings: Pick<MonitorSettings, "thresholds" | "pacing">): number {
  const { maxApplicationsPerHour } = settings.thresholds;
  return Math.max(1, Math.floor(maxApplicationsPerHour * settings.pacing.hourlyMarginRatio));
}

/** How far back {@link PaceInput.recentApplications} must reach. */
export function paceLookbackMs(settings: Pick<MonitorSettings, "thresholds" | "pacing">): number {
  const { capacity, refillPerMs } = bucketShape(settings);
  return HOUR_MS + Math.ceil(capacity / refillPerMs);
}

/**
 * Decides whether the bot may apply now. A pure function of its input, so the same history
 * gives the same answer in every process. Rules, strongest first:
 *
 * 1. any critical anomaly active: stop, ask again after `pacing.criticalRecheckSeconds`;
 * 2. the platform's daily-limit notice today: stop until local midnight;
 * 3. applications today reached `maxApplicationsPerDay`: stop until local midnight;
 * 4. more slow-down notices today than `pacing.backoffSeconds` has steps: stop for the day;
 * then the longest of these waits:
 * 5. the n-th slow-down notice today: wait `backoffSeconds[n-1]` after it (90 s, 3 min, 6 min);
 * 6. a sliding hour may hold at most {@link pacedHourlyLimit} applications;
 * 7. a token bucket of `pacing.burstCapacity` tokens refilled at (limit - capacity) per hour,
 *    so no 60 minutes can exceed the paced limit even at the bucket's edge;
 * 8. at least `minGapSeconds` plus the jitter drawn for the last application since it.
 *
 * @example
 * const decision = decidePace(input);
 * if (!decision.allow) await sleep(decision.waitMs);
 */
export function decidePace(given: PaceInput): PaceDecision {
  const input = withoutFutureTimes(given);
  const stop = firstStop(input);
  if (stop !== undefined) return stop;

  const waits = [backoffWait(input), hourlyWait(input), bucketWait(input), gapWait(input)].filter(
    (wait): wait is Wait => wait !== undefined && wait.waitMs > 0,
  );
  const longest = waits.sort((a, b) => b.waitMs - a.waitMs)[0];
  if (longest === undefined) {
    return { allow: true, waitMs: 0, reason: "within pace", rule: "ok", stop: false };
  }
  return {
    allow: false,
    waitMs: Math.ceil(longest.waitMs),
    reason: longest.reason,
    rule: longest.rule,
    stop: false,
  };
}

/**
 * A clock set back (by hand, or by a correction after it ran ahead) leaves recorded events in
 * the future. They count as happening now: every wait then stays within its rule's own bound
 * (a gap, a back-off step, an hour) instead of growing by the size of the jump.
 */
function withoutFutureTimes(input: PaceInput): PaceInput {
  const { nowMs } = input;
  const clamp = (at: number): number => Math.min(at, nowMs);
  const last = input.lastApplication;
  return {
    ...input,
    recentApplications: input.recentApplications.map(clamp),
    slowDownNoticesToday: input.slowDownNoticesToday.map(clamp),
    ...(last === undefined ? {} : { lastApplication: { ...last, at: clamp(last.at) } }),
  };
}

interface Wait {
  readonly waitMs: number;
  readonly reason: string;
  readonly rule: PaceRule;
}

function firstStop(input: PaceInput): PaceDecision | undefined {
  const { nowMs, settings } = input;
  const untilTomorrow = Math.max(1, input.nextDayStartsAt - nowMs);
  const critical = input.activeAnomalies.filter((anomaly) => anomaly.severity === "critical");
  if (critical.length > 0) {
    return {
      allow: false,
      waitMs: settings.pacing.criticalRecheckSeconds * 1000,
      reason: `critical anomaly active (${critical.map((anomaly) => anomaly.type).join(", ")}); check the account before continuing`,
      rule: "critical_anomaly",
      stop: true,
    };
  }
  if (input.dailyLimitNoticeToday) {
    return stopForToday(
      untilTomorrow,
      "the platform's daily limit was reached",
      "daily_limit_notice",
    );
  }
  const cap = settings.thresholds.maxApplicationsPerDay;
  if (input.applicationsToday >= cap) {
    return stopForToday(
      untilTomorrow,
      `${input.applicationsToday} applications today reached the daily cap of ${cap}`,
      "daily_cap",
    );
  }
  const steps = settings.pacing.backoffSeconds.length;
  if (input.slowDownNoticesToday.length > steps) {
    return stopForToday(
      untilTomorrow,
      `${input.slowDownNoticesToday.length} slow-down notices today`,
      "slow_down_stop",
    );
  }
  return undefined;
}

function stopForToday(waitMs: number, why: string, rule: PaceRule): PaceDecision {
  return { allow: false, waitMs, reason: `${why}; stopped until tomorrow`, rule, stop: true };
}

function backoffWait(input: PaceInput): Wait | undefined {
  const notices = input.slowDownNoticesToday;
  const last = notices[notices.length - 1];
  if (last === undefined) return undefined;
  const seconds = input.settings.pacing.backoffSeconds[notices.length - 1] ?? 0;
  return {
    waitMs: last + seconds * 1000 - input.nowMs,
    reason: `slow-down notice ${notices.length} today: backing off ${seconds} s`,
    rule: "slow_down_backoff",
  };
}

function hourlyWait(input: PaceInput): Wait | undefined {
  const limit = pacedHourlyLimit(input.settings);
  const inHour = input.recentApplications.filter((at) => at > input.nowMs - HOUR_MS);
  if (inHour.length < limit) return undefined;
  // The window has room again once enough of its oldest applications have left it.
  const leaving = inHour[inHour.length - limit] as number;
  return {
    waitMs: leaving + HOUR_MS - input.nowMs,
    reason: `${inHour.length} applications in the last hour (paced limit ${limit})`,
    rule: "hourly_rate",
  };
}

function bucketShape(settings: Pick<MonitorSettings, "thresholds" | "pacing">): {
  capacity: number;
  refillPerMs: number;
} {
  const limit = pacedHourlyLimit(settings);
  const capacity = Math.min(settings.pacing.burstCapacity, limit);
  return { capacity, refillPerMs: Math.max(1, limit - capacity) / HOUR_MS };
}

function bucketWait(input: PaceInput): Wait | undefined {
  const { capacity, refillPerMs } = bucketShape(input.settings);
  // Replay the recent applications into a bucket that was full before the first of them.
  // Spending below zero is allowed down to -capacity, so ignoring the guard costs extra wait.
  let tokens = capacity;
  let at = input.nowMs - paceLookbackMs(input.settings);
  for (const applied of input.recentApplications) {
    if (applied <= at) continue;
    tokens = Math.min(capacity, tokens + (applied - at) * refillPerMs);
    tokens = Math.max(-capacity, tokens - 1);
    at = applied;
  }
  tokens = Math.min(capacity, tokens + (input.nowMs - at) * refillPerMs);
  // Refill arithmetic is floating point; a hair under one token after waiting exactly the
  // announced time must count as one, or a caller would be told to wait 1 ms more.
  if (tokens >= 1 - 1e-9) return undefined;
  return {
    waitMs: (1 - tokens) / refillPerMs,
    reason: `pacing to ${pacedHourlyLimit(input.settings)} applications an hour`,
    rule: "token_bucket",
  };
}

function gapWait(input: PaceInput): Wait | undefined {
  const last = input.lastApplication;
  if (last === undefined) return undefined;
  const gapMs = input.settings.pacing.minGapSeconds * 1000 + last.jitterMs;
  return {
    waitMs: last.at + gapMs - input.nowMs,
    reason: `minimum gap of ${Math.round(gapMs / 1000)} s since the last application`,
    rule: "min_gap",
  };
}
