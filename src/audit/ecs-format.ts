import type { AuditEventType, AuditRecord, AuditSeverity } from "./audit-event.js";

/** The ECS version the documents declare in `ecs.version`. */
export const ECS_VERSION = "8.11.0";

/**
 * `event.severity` per vigil severity (ECS leaves the scale to the source; see
 * docs/audit-format.md).
 */
export const ECS_SEVERITY: Readonly<Record<AuditSeverity, number>> = {
  low: 21,
  medium: 47,
  high: 73,
  critical: 99,
};

interface EcsCategorization {
  readonly kind: "event" | "alert";
  readonly category: readonly string[];
  readonly type: readonly string[];
}

/*
 * Categories and types come from the ECS allowed values, each pair from the types ECS expects
 * for that category (authentication: start/end/info; configuration: access/change/...;
 * api: access/...; iam: user/change/...; intrusion_detection: allowed/denied/info).
 */
const CATEGORIZATION: Readonly<Record<AuditEventType, EcsCategorization>> = {
  login: { kind: "event", category: ["authentication"], type: ["start"] },
  logout: { kind: "event", category: ["authentication", "session"], type: ["end"] },
  credential_access: { kind: "event", category: ["configuration"], type: ["access"] },
  credential_modify: { kind: "event", category: ["configuration"], type: ["change"] },
  credential_rotate: { kind: "event", category: ["configuration"], type: ["change"] },
  api_call: { kind: "event", category: ["api"], type: ["access"] },
  error: { kind: "event", category: ["process"], type: ["info"] },
  suspicious_activity: { kind: "alert", category: ["intrusion_detection"], type: ["info"] },
  account_change: { kind: "event", category: ["iam"], type: ["user", "change"] },
  policy_violation: { kind: "alert", category: ["intrusion_detection"], type: ["denied"] },
};

/** `success`, `failure` or `unknown`, from the details the log methods write. */
export function outcomeOf(record: AuditRecord): "success" | "failure" | "unknown" {
  const details = record.details;
  if (typeof details.success === "boolean") return details.success ? "success" : "failure";
  const status = details.status_code;
  if (typeof status === "number") return status < 400 ? "success" : "failure";
  if (record.event_type === "error" || record.event_type === "policy_violation") return "failure";
  return "unknown";
}

/**
 * One audit record as an Elastic Common Schema 8.x document. The chain's sequence number and
 * hash go to `event.sequence` and `event.hash` (ECS: "hash of raw field to be able to
 * demonstrate log integrity"); vigil-specific values stay under `vigil.*`.
 *
 * @example
 * const document = toEcs(record); // { "@timestamp": ..., event: { action: "login", ... }, ... }
 */
export function toEcs(record: AuditRecord): Record<string, unknown> {
  const categorization = CATEGORIZATION[record.event_type];
  const details = record.details;
  const document: Record<string, unknown> = {
    "@timestamp": record.timestamp,
    message: record.description,
    ecs: { version: ECS_VERSION },
    event: {
      kind: categorization.kind,
      category: [...categorization.category],
      type: [...categorization.type],
      outcome: outcomeOf(record),
      action: record.event_type,
      severity: ECS_SEVERITY[record.severity],
      sequence: record.seq,
      hash: record.hash,
      dataset: "vigil.audit",
      module: "vigil",
    },
    log: { level: record.severity },
    user: { name: record.username },
    vigil: { severity: record.severity, details, writer: record.writer, mac: record.mac },
  };
  if (typeof details.ip === "string") document.source = { ip: details.ip };
  if (typeof details.status_code === "number" || typeof details.method === "string") {
    document.http = {
      ...(typeof details.method === "string" ? { request: { method: details.method } } : {}),
      ...(typeof details.status_code === "number"
        ? { response: { status_code: details.status_code } }
        : {}),
    };
  }
  if (typeof details.endpoint === "string") document.url = { path: details.endpoint };
  return document;
}
