import { toIso } from "../../clock.js";
import type { VigilConfig } from "../../config/index.js";
import type { ActivityStore } from "../activity-store.js";
import type { DetectedAnomaly } from "../anomaly.js";
import { busiestWindow } from "../sliding-window.js";

/** The `accountMonitoring` section of the configuration. */
export type MonitorSettings = VigilConfig["accountMonitoring"];

/** What every detector reads: the store, the time to judge at, and the settings. */
export interface DetectorContext {
  readonly store: ActivityStore;
  readonly nowMs: number;
  readonly settings: MonitorSettings;
}

/**
 * A detector looks at the windows that end now and reports the anomaly it owns if it is active
 * at `nowMs`; nothing once the window has passed, which is how anomalies clear.
 */
export type Detector = (context: DetectorContext) => DetectedAnomaly | undefined;

/** One minute in milliseconds, for windows. */
export const MINUTE_MS = 60_000;
/** One hour in milliseconds, for windows. */
export const HOUR_MS = 60 * MINUTE_MS;

/** The busiest sliding hour of one kind of event, when it is over a limit. */
export interface HourlyPeak {
  readonly count: number;
  readonly evidence: DetectedAnomaly["evidence"];
}

/**
 * The busiest sliding 60 minutes of `kind` events whose last event is under an hour old, when it
 * holds more than `limit` events; shared by the burst and error-spike detectors.
 */
export function hourlyPeakOver(
  context: DetectorContext,
  kind: "application" | "error",
  limit: number,
): HourlyPeak | undefined {
  const { store, nowMs } = context;
  const times = store.times(kind, nowMs - 2 * HOUR_MS, nowMs);
  const peak = busiestWindow(times, HOUR_MS, nowMs - HOUR_MS);
  if (peak === undefined || peak.count <= limit) return undefined;
  return {
    count: peak.count,
    evidence: {
      count: peak.count,
      limit,
      windowMinutes: 60,
      firstAt: toIso(peak.firstAt),
      lastAt: toIso(peak.lastAt),
    },
  };
}
