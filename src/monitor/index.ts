export {
  AccountMonitor,
  type AccountMonitorOptions,
  type ActivitySummary,
  type AnomalyListener,
  type HealthReport,
  type HourlyActivity,
  MONITOR_DATABASE_FILE,
  type RecordedActivity,
  type RecordedNotice,
} from "./account-monitor.js";
export { type ActivityKind, ActivityStore, type NewActivity } from "./activity-store.js";
export {
  ANOMALY_TYPES,
  type Anomaly,
  type AnomalyType,
  type DetectedAnomaly,
  type Severity,
} from "./anomaly.js";
export type { Detector, DetectorContext, MonitorSettings } from "./detectors/detector.js";
export {
  HEALTH_THRESHOLDS,
  type HealthStatus,
  healthScore,
  healthStatusOf,
  SEVERITY_PENALTY,
} from "./health-score.js";
export {
  type Coordinates,
  GeoIpLocator,
  haversineKm,
  type LoginLocation,
  networkPrefix,
} from "./location.js";
export {
  decidePace,
  type PaceDecision,
  type PaceInput,
  type PaceRule,
  pacedHourlyLimit,
} from "./pacing-guard.js";
export { classifyNotice, type NoticeClassification, type NoticeKind } from "./platform-notices.js";
export { scrubText } from "./scrub-text.js";
