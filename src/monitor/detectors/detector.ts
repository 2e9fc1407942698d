import type { VigilConfig } from "../../config/index.js";
import type { ActivityStore } from "../activity-store.js";
import type { DetectedAnomaly } from "../anomaly.js";

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
