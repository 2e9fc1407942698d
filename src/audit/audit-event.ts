import { VigilError } from "../errors.js";

/** The ten kinds of audit event, as the design lists them. */
export const AUDIT_EVENT_TYPES = [
  "login",
  "logout",
  "credential_access",
  "credential_modify",
  "credential_rotate",
  "api_call",
  "error",
  "suspicious_activity",
  "account_change",
  "policy_violation",
] as const;

/** One of {@link AUDIT_EVENT_TYPES}. */
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** The four severities, lowest first (their index is their rank). */
export const AUDIT_SEVERITIES = ["low", "medium", "high", "critical"] as const;

/** One of {@link AUDIT_SEVERITIES}. */
export type AuditSeverity = (typeof AUDIT_SEVERITIES)[number];

/** What a caller hands to `AuditLogger.log`. */
export interface AuditEventInput {
  readonly eventType: AuditEventType;
  /** Default: the type's default severity (see {@link defaultSeverity}). */
  readonly severity?: AuditSeverity;
  /** Default: the logger's `username` option, else the OS user. */
  readonly username?: string;
  readonly description: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * One event as stored on disk and returned by queries: the design's fields in snake_case plus
 * the integrity fields (`seq`, `writer`, `prev`, `hash`, `mac`) described in docs/audit-format.md.
 */
export interface AuditRecord {
  readonly timestamp: string;
  readonly event_type: AuditEventType;
  readonly severity: AuditSeverity;
  readonly username: string;
  readonly description: string;
  readonly details: Record<string, unknown>;
  readonly seq: number;
  readonly writer: string;
  readonly prev: string;
  readonly hash: string;
  readonly mac: string | null;
}

/** Severity a type gets when the caller names none (`log` without `severity`). */
const DEFAULT_SEVERITY: Readonly<Record<AuditEventType, AuditSeverity>> = {
  login: "medium",
  logout: "low",
  credential_access: "low",
  credential_modify: "high",
  credential_rotate: "medium",
  api_call: "low",
  error: "high",
  suspicious_activity: "high",
  account_change: "medium",
  policy_violation: "high",
};

/**
 * The default severity of an event type; `login` and `api_call` depend on the outcome
 * (a failed login is high; an API call answered with HTTP 400 or above is medium).
 *
 * @example
 * defaultSeverity("login", { success: false }); // "high"
 */
export function defaultSeverity(
  eventType: AuditEventType,
  outcome: { success?: boolean; statusCode?: number } = {},
): AuditSeverity {
  if (eventType === "login" && outcome.success === false) return "high";
  if (eventType === "api_call" && outcome.statusCode !== undefined && outcome.statusCode >= 400) {
    return "medium";
  }
  return DEFAULT_SEVERITY[eventType];
}

/**
 * Checks that `value` names an event type.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` listing the accepted types.
 */
export function assertEventType(value: unknown): asserts value is AuditEventType {
  if (typeof value !== "string" || !(AUDIT_EVENT_TYPES as readonly string[]).includes(value)) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `unknown audit event type ${JSON.stringify(value)}; ` +
        `use one of ${AUDIT_EVENT_TYPES.join(", ")}`,
    );
  }
}

/**
 * Checks that `value` names a severity.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` listing the accepted severities.
 */
export function assertSeverity(value: unknown): asserts value is AuditSeverity {
  if (typeof value !== "string" || !(AUDIT_SEVERITIES as readonly string[]).includes(value)) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `unknown audit severity ${JSON.stringify(value)}; use one of ${AUDIT_SEVERITIES.join(", ")}`,
    );
  }
}

/** The rank of a severity: low 0, medium 1, high 2, critical 3. */
export function severityRank(severity: AuditSeverity): number {
  return AUDIT_SEVERITIES.indexOf(severity);
}
