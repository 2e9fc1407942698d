import type { DetectedAnomaly } from "../anomaly.js";
import { type DetectorContext, hourlyPeakOver } from "./detector.js";

/**
 * `error_spike`: more than `thresholds.maxErrorsPerHour` errors (default 5) in any sliding 60
 * minutes ending within the last hour. 5 is fine, 6 is a spike. Severity medium; high above
 * twice the threshold (the bot is likely flailing against a changed page).
 */
export function detectErrorSpike(context: DetectorContext): DetectedAnomaly | undefined {
  const limit = context.settings.thresholds.maxErrorsPerHour;
  const peak = hourlyPeakOver(context, "error", limit);
  if (peak === undefined) return undefined;

  return {
    type: "error_spike",
    severity: peak.count > 2 * limit ? "high" : "medium",
    description: `${peak.count} errors within 60 minutes (limit ${limit})`,
    evidence: peak.evidence,
  };
}
