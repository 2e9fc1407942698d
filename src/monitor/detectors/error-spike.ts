import { toIso } from "../../clock.js";
import type { DetectedAnomaly } from "../anomaly.js";
import { busiestWindow } from "../sliding-window.js";
import { type DetectorContext, HOUR_MS } from "./detector.js";

/**
 * `error_spike`: more than `thresholds.maxErrorsPerHour` errors (default 5) in any sliding 60
 * minutes ending within the last hour. 5 is fine, 6 is a spike. Severity medium; high above
 * twice the threshold (the bot is likely flailing against a changed page).
 */
export function detectErrorSpike(context: DetectorContext): DetectedAnomaly | undefined {
  const { store, nowMs, settings } = context;
  const limit = settings.thresholds.maxErrorsPerHour;
  const times = store.times("error", nowMs - 2 * HOUR_MS, nowMs);
  const peak = busiestWindow(times, HOUR_MS, nowMs - HOUR_MS);
  if (peak === undefined || peak.count <= limit) return undefined;

  return {
    type: "error_spike",
    severity: peak.count > 2 * limit ? "high" : "medium",
    description: `${peak.count} errors within 60 minutes (limit ${limit})`,
    evidence: {
      count: peak.count,
      limit,
      windowMinutes: 60,
      firstAt: toIso(peak.firstAt),
      lastAt: toIso(peak.lastAt),
    },
  };
}
