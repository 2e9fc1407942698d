import { toIso } from "../../clock.js";
import type { DetectedAnomaly } from "../anomaly.js";
import { startOfZonedDay } from "../zoned-time.js";
import type { DetectorContext } from "./detector.js";

/**
 * `daily_limit`: today (midnight to midnight in `timeZone`) the platform showed its daily-limit
 * notice (severity high), or applications reached `thresholds.maxApplicationsPerDay` (default
 * 50; 49 is fine, 50 is the limit; severity medium, the cap doing its job). Clears at local
 * midnight.
 */
export function detectDailyLimit(context: DetectorContext): DetectedAnomaly | undefined {
  const { store, nowMs, settings } = context;
  const cap = settings.thresholds.maxApplicationsPerDay;
  const dayStart = startOfZonedDay(nowMs, settings.timeZone);
  const notices = store.noticeTimes("daily_limit", dayStart - 1, nowMs);
  const applications = store.count("application", dayStart - 1, nowMs);
  const evidence = {
    applicationsToday: applications,
    cap,
    dailyLimitNotices: notices.length,
    dayStartedAt: toIso(dayStart),
    timeZone: settings.timeZone,
  };

  if (notices.length > 0) {
    return {
      type: "daily_limit",
      severity: "high",
      description: `the platform's daily application limit was reached (${applications} today)`,
      evidence,
    };
  }
  if (applications < cap) return undefined;
  return {
    type: "daily_limit",
    severity: "medium",
    description: `${applications} applications today reached the daily cap of ${cap}`,
    evidence,
  };
}
