import type { DetectedAnomaly, Severity } from "./anomaly.js";

/** Points an active anomaly takes off the score, by severity. */
export const SEVERITY_PENALTY: Readonly<Record<Severity, number>> = Object.freeze({
  low: 5,
  medium: 15,
  high: 30,
  critical: 60,
});

/** The health verdict: `healthy` from 80, `warning` from 50, else `critical`. */
export type HealthStatus = "healthy" | "warning" | "critical";

/** Score thresholds for {@link HealthStatus}. */
export const HEALTH_THRESHOLDS = Object.freeze({ healthy: 80, warning: 50 });

/**
 * The account's health, a pure function of the anomalies active now:
 *
 *   score = max(0, 100 - Σ penalty(severity))  with low 5, medium 15, high 30, critical 60
 *
 * One medium anomaly leaves the account healthy (85), one high one makes it a warning (70), a
 * critical one or two high ones make it critical (40). The score has no memory: when anomalies
 * clear, it returns to 100. (The original design lowered a stored score on every check, so one
 * burst drove it to zero for good.)
 *
 * @example
 * healthScore([]); // { score: 100, status: "healthy" }
 * healthScore([{ severity: "high" }]); // { score: 70, status: "warning" }
 */
export function healthScore(anomalies: readonly Pick<DetectedAnomaly, "severity">[]): {
  score: number;
  status: HealthStatus;
} {
  const penalty = anomalies.reduce((sum, anomaly) => sum + SEVERITY_PENALTY[anomaly.severity], 0);
  const score = Math.max(0, 100 - penalty);
  return { score, status: healthStatusOf(score) };
}

/** The status for a score: healthy >= 80, warning >= 50, else critical. */
export function healthStatusOf(score: number): HealthStatus {
  if (score >= HEALTH_THRESHOLDS.healthy) return "healthy";
  if (score >= HEALTH_THRESHOLDS.warning) return "warning";
  return "critical";
}
