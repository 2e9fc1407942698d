import type { DetectedAnomaly } from "../anomaly.js";
import { type DetectorContext, HOUR_MS } from "./detector.js";

/**
 * `failed_logins`: more than `thresholds.maxFailedLoginsPerDay` failed logins (default 3) in the
 * last `thresholds.failedLoginWindowHours` (default 24). 3 is fine, 4 is an anomaly. Severity
 * high; critical above three times the threshold, which looks like password guessing.
 */
export function detectFailedLogins(context: DetectorContext): DetectedAnomaly | undefined {
  const { store, nowMs, settings } = context;
  const limit = settings.thresholds.maxFailedLoginsPerDay;
  const windowHours = settings.thresholds.failedLoginWindowHours;
  const failures = store.count("login", nowMs - windowHours * HOUR_MS, nowMs, true);
  if (failures <= limit) return undefined;

  return {
    type: "failed_logins",
    severity: failures > 3 * limit ? "critical" : "high",
    description: `${failures} failed logins in ${windowHours} hours (limit ${limit})`,
    evidence: { count: failures, limit, windowHours },
  };
}
