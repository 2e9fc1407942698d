export {
  AUDIT_EVENT_TYPES,
  AUDIT_SEVERITIES,
  type AuditEventInput,
  type AuditEventType,
  type AuditRecord,
  type AuditSeverity,
  assertEventType,
  assertSeverity,
  defaultSeverity,
  severityRank,
} from "./audit-event.js";
export {
  type AuditKeySource,
  type AuditKeys,
  type AuditRawKeys,
  keyIdOf,
  resolveAuditKeys,
} from "./audit-keys.js";
export { AuditLogger, type AuditLoggerOptions } from "./audit-logger.js";
export { CEF_SEVERITY, escapeCefExtension, escapeCefHeader, toCef } from "./cef-format.js";
export { CSV_COLUMNS, csvField, toCsvRow } from "./csv-format.js";
export { ECS_SEVERITY, ECS_VERSION, toEcs } from "./ecs-format.js";
export {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOptions,
  exportTrail,
} from "./export-logs.js";
export {
  type AuditQuery,
  queryEvents,
  streamEvents,
  type TimeInput,
  toMillis,
} from "./query.js";
export { FINGERPRINT_PREFIX, fingerprint, Redactor } from "./redaction.js";
export {
  escapeSdValue,
  formatRfc5424,
  SD_ID,
  SYSLOG_SEVERITY,
  SyslogForwarder,
  type SyslogOptions,
} from "./syslog-forwarder.js";
export { listDayFiles, readHead, type TrailHead } from "./trail-files.js";
export {
  type BreakKind,
  type TrailBreak,
  type VerifyOptions,
  type VerifyProgress,
  type VerifyReport,
  verifyTrail,
} from "./verify.js";
