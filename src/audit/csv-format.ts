import type { AuditRecord } from "./audit-event.js";

/** The CSV columns, in order. */
export const CSV_COLUMNS = [
  "timestamp",
  "event_type",
  "severity",
  "username",
  "description",
  "details",
  "seq",
  "hash",
] as const;

/**
 * Quotes a CSV field per RFC 4180 when it needs it. A field starting with `=`, `+`, `-` or `@`
 * gets a leading apostrophe, because spreadsheets run such cells as formulas (CSV injection).
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record as a CSV row (CRLF line ends, as RFC 4180 says); details as JSON text. */
export function toCsvRow(record: AuditRecord): string {
  const cells = [
    record.timestamp,
    record.event_type,
    record.severity,
    record.username,
    record.description,
    JSON.stringify(record.details),
    String(record.seq),
    record.hash,
  ];
  return `${cells.map(csvField).join(",")}\r\n`;
}

/** The CSV header row. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}
