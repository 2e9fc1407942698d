import type { AuditRecord, AuditSeverity } from "./audit-event.js";
import { outcomeOf } from "./ecs-format.js";

/** CEF severity (0-10) per vigil severity: low 3, medium 5, high 8, critical 10. */
export const CEF_SEVERITY: Readonly<Record<AuditSeverity, number>> = {
  low: 3,
  medium: 5,
  high: 8,
  critical: 10,
};

/** Escapes a CEF header field: backslash and pipe get a backslash; newlines become spaces. */
export function escapeCefHeader(value: string): string {
  return value.replace(/[\\|]/g, (char) => `\\${char}`).replace(/\r\n|\r|\n/g, " ");
}

/**
 * Escapes a CEF extension value: backslash and `=` get a backslash; CR and LF become `\r` and
 * `\n`.
 */
export function escapeCefExtension(value: string): string {
  return value
    .replace(/[\\=]/g, (char) => `\\${char}`)
    .replace(/\r\n|\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

/**
 * One audit record as an ArcSight CEF:0 line (no syslog prefix):
 * `CEF:0|vigil|vigil|<version>|<event_type>|<description>|<severity>|<extension>`.
 *
 * @example
 * toCef(record, "0.1.0"); // "CEF:0|vigil|vigil|0.1.0|login|user login|5|rt=... suser=alice ..."
 */
export function toCef(record: AuditRecord, productVersion: string): string {
  const details = record.details;
  const extension: [string, string | number][] = [
    ["rt", Date.parse(record.timestamp)],
    ["suser", record.username],
    ["act", record.event_type],
    ["outcome", outcomeOf(record)],
    ["msg", record.description],
    ["externalId", record.seq],
    ["cs1Label", "chainHash"],
    ["cs1", record.hash],
    ["cs2Label", "details"],
    ["cs2", JSON.stringify(details)],
  ];
  if (typeof details.ip === "string") extension.push(["src", details.ip]);
  if (typeof details.method === "string") extension.push(["requestMethod", details.method]);
  if (typeof details.endpoint === "string") extension.push(["request", details.endpoint]);
  if (typeof details.status_code === "number") {
    extension.push(["cn1Label", "httpStatus"], ["cn1", details.status_code]);
  }
  const header = [
    "CEF:0",
    "vigil",
    "vigil",
    productVersion,
    record.event_type,
    record.description,
    String(CEF_SEVERITY[record.severity]),
  ].map((field, index) => (index === 0 ? field : escapeCefHeader(field)));
  const body = extension.map(([key, value]) => `${key}=${escapeCefExtension(String(value))}`);
  return `${header.join("|")}|${body.join(" ")}`;
}
