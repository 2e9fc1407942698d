import type { DetectedAnomaly } from "../anomaly.js";
import { type DetectorContext, hourlyPeakOver } from "./detector.js";

/**
 * `burst_activity`: more than `thresholds.maxApplicationsPerHour` applications (default 20) in
 * any sliding 60 minutes whose last application is under an hour old. 20 is fine, 21 is a
 * burst. Severity high; critical from twice the threshold, a pace at which platforms restrict
 * accounts.
 */
export function detectBurstActivity(context: DetectorContext): DetectedAnomaly | undefined {
  const limit = context.settings.thresholds.maxApplicationsPerHour;
  const peak = hourlyPeakOver(context, "application", limit);
  if (peak === undefined) return undefined;

  return {
    type: "burst_activity",
    severity: peak.count >= 2 * limit ? "critical" : "high",
    description: `${peak.count} applications within 60 minutes (limit ${limit})`,
    evidence: peak.evidence,
  };
}
