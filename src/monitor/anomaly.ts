/** The kinds of anomaly the monitor detects; one detector file each under `detectors/`. */
export const ANOMALY_TYPES = [
  "burst_activity",
  "failed_logins",
  "unusual_location",
  "unusual_hours",
  "error_spike",
  "rate_limited",
  "daily_limit",
] as const;

/** One of {@link ANOMALY_TYPES}. */
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

/** Severities, as in the audit trail: low is informational, critical suggests compromise. */
export type Severity = "low" | "medium" | "high" | "critical";

/** What a detector reports: an anomaly that is active now. */
export interface DetectedAnomaly {
  readonly type: AnomalyType;
  readonly severity: Severity;
  /** One line for a human; counts, windows and places, never a secret. */
  readonly description: string;
  /** The figures behind the finding (counts, thresholds, times as ISO strings). */
  readonly evidence: Readonly<Record<string, unknown>>;
}

/**
 * An active anomaly as the monitor returns it. `detectedAt` is when this episode started, as
 * recorded in the shared alert state, so it stays the same on every check while it lasts.
 */
export interface Anomaly extends DetectedAnomaly {
  readonly detectedAt: string;
}
