/**
 * What a domain module tells the audit trail. Modules receive an {@link AuditSink} and never
 * reach into `audit/` internals; `AuditLogger` implements it. Details must never hold a secret
 * value: the logger redacts known keys as a second line of defence, not the first.
 */
export interface AuditSinkEvent {
  readonly eventType:
    | "login"
    | "logout"
    | "credential_access"
    | "credential_modify"
    | "credential_rotate"
    | "api_call"
    | "error"
    | "suspicious_activity"
    | "account_change"
    | "policy_violation";
  readonly severity?: "low" | "medium" | "high" | "critical";
  readonly description: string;
  readonly username?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Receives audit events from the vault, the secrets manager and the monitor. */
export interface AuditSink {
  record(event: AuditSinkEvent): void | Promise<void>;
}
