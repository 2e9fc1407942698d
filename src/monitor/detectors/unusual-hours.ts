import { toIso } from "../../clock.js";
import type { DetectedAnomaly } from "../anomaly.js";
import { formatZonedTime, zonedHour } from "../zoned-time.js";
import { type DetectorContext, MINUTE_MS } from "./detector.js";

/**
 * True when `hour` lies in [start, end) on a 24-hour dial; a range such as 22-5 wraps midnight.
 */
export function isWithinHours(hour: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

/**
 * `unusual_hours`: an application or login within the last
 * `thresholds.unusualHoursWindowMinutes` (default 60) whose local time in `timeZone` lies in
 * [`unusualHoursStart`, `unusualHoursEnd`) (default 00:00-05:00). The user's zone, not the
 * server's: a bot on a UTC server applying at 09:00 UTC for a user in Los Angeles is at 01:00.
 * Severity medium.
 */
export function detectUnusualHours(context: DetectorContext): DetectedAnomaly | undefined {
  const { store, nowMs, settings } = context;
  const { unusualHoursStart, unusualHoursEnd, unusualHoursWindowMinutes } = settings.thresholds;
  const timeZone = settings.timeZone;
  const times = store.presenceTimes(nowMs - unusualHoursWindowMinutes * MINUTE_MS, nowMs);
  const odd = times.filter((at) =>
    isWithinHours(zonedHour(at, timeZone), unusualHoursStart, unusualHoursEnd),
  );
  if (odd.length === 0) return undefined;

  const first = odd[0] as number;
  const range = `${String(unusualHoursStart).padStart(2, "0")}:00-${String(unusualHoursEnd).padStart(2, "0")}:00`;
  return {
    type: "unusual_hours",
    severity: "medium",
    description: `${odd.length} actions at unusual hours (${formatZonedTime(first, timeZone)} ${timeZone}, outside ${range} is normal)`,
    evidence: {
      count: odd.length,
      firstAt: toIso(first),
      localTime: formatZonedTime(first, timeZone),
      timeZone,
      unusualHours: range,
    },
  };
}
