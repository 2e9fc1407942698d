import { toIso } from "../../clock.js";
import type { DetectedAnomaly } from "../anomaly.js";
import { busiestWindow } from "../sliding-window.js";
import { type DetectorContext, HOUR_MS } from "./detector.js";

/**
 * `burst_activity`: more than `thresholds.maxApplicationsPerHour` applications (default 20) in
 * any sliding 60 minutes whose last application is under an hour old. 20 is fine, 21 is a
 * burst. Severity high; critical from twice the threshold, a pace at which platforms restrict
 * accounts.
 */
export function detectBurstActivity(context: DetectorContext): DetectedAnomaly | undefined {
  const { store, nowMs, settings } = context;
  const limit = settings.thresholds.maxApplicationsPerHour;
  const times = store.times("application", nowMs - 2 * HOUR_MS, nowMs);
  const peak = busiestWindow(times, HOUR_MS, nowMs - HOUR_MS);
  if (peak === undefined || peak.count <= limit) return undefined;

  return {
    type: "burst_activity",
    severity: peak.count >= 2 * limit ? "critical" : "high",
    description: `${peak.count} applications within 60 minutes (limit ${limit})`,
    evidence: {
      count: peak.count,
      limit,
      windowMinutes: 60,
      firstAt: toIso(peak.firstAt),
      lastAt: toIso(peak.lastAt),
    },
  };
}
