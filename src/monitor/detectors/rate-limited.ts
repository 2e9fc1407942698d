import { toIso } from "../../clock.js";
import type { DetectedAnomaly } from "../anomaly.js";
import { type DetectorContext, HOUR_MS, MINUTE_MS } from "./detector.js";

/** A restriction or security-check notice stays active at least this long. */
export const RESTRICTION_WINDOW_MS = 24 * HOUR_MS;

/**
 * `rate_limited`: an HTTP 429 or a slow-down notice within the last
 * `thresholds.rateLimitWindowMinutes` (default 60): severity high. A restriction or
 * security-check notice ("temporarily restricted", "unusual activity") within the last 24 hours
 * makes it critical, which stops the pacing guard.
 */
export function detectRateLimited(context: DetectorContext): DetectedAnomaly | undefined {
  const { store, nowMs, settings } = context;
  const windowMinutes = settings.thresholds.rateLimitWindowMinutes;
  const from = nowMs - windowMinutes * MINUTE_MS;
  const tooMany = store.rateLimitedTimes(from, nowMs);
  const slowDowns = store.noticeTimes("slow_down", from, nowMs);
  const restrictionFrom = nowMs - Math.max(RESTRICTION_WINDOW_MS, windowMinutes * MINUTE_MS);
  const restrictions = store.noticeTimes("restriction", restrictionFrom, nowMs);
  if (tooMany.length + slowDowns.length + restrictions.length === 0) return undefined;

  const latest = Math.max(...tooMany, ...slowDowns, ...restrictions);
  const evidence = {
    http429: tooMany.length,
    slowDownNotices: slowDowns.length,
    restrictionNotices: restrictions.length,
    windowMinutes,
    lastAt: toIso(latest),
  };
  if (restrictions.length > 0) {
    return {
      type: "rate_limited",
      severity: "critical",
      description: "the platform restricted the account or asked for a security check",
      evidence,
    };
  }
  const parts = [
    tooMany.length > 0 ? counted(tooMany.length, "HTTP 429 response") : "",
    slowDowns.length > 0 ? counted(slowDowns.length, "slow-down notice") : "",
  ].filter((part) => part !== "");
  return {
    type: "rate_limited",
    severity: "high",
    description: `rate limited: ${parts.join(" and ")} in ${windowMinutes} minutes`,
    evidence,
  };
}

function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
