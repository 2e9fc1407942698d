import { join } from "node:path";
import { VigilError } from "../errors.js";
import {
  type AuditEventType,
  type AuditRecord,
  type AuditSeverity,
  assertEventType,
  assertSeverity,
  severityRank,
} from "./audit-event.js";
import { readLineChunks } from "./line-reader.js";
import { DAY_FILE_PATTERN, dayFileName, listDayFiles, utcDay } from "./trail-files.js";

/** A point in time: a `Date`, milliseconds since the epoch, or an ISO-8601 text. */
export type TimeInput = Date | number | string;

/** Filters for `getEvents`; all optional, combined with AND. */
export interface AuditQuery {
  readonly eventType?: AuditEventType;
  /** Exactly this severity. */
  readonly severity?: AuditSeverity;
  /** This severity or above. */
  readonly minSeverity?: AuditSeverity;
  readonly username?: string;
  /** Inclusive. A bare date `YYYY-MM-DD` means its UTC midnight. */
  readonly from?: TimeInput;
  /** Inclusive. A bare date `YYYY-MM-DD` means the end of that UTC day. */
  readonly to?: TimeInput;
  /** Case-insensitive substring of the description or the details' JSON. */
  readonly text?: string;
  /** At most this many events (the oldest ones). */
  readonly limit?: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Milliseconds of a time input; `endOfDay` makes a bare date mean its last millisecond.
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for a text that is not a date.
 */
export function toMillis(value: TimeInput, endOfDay = false): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  const text = value.trim();
  const ms = DATE_ONLY.test(text)
    ? Date.parse(`${text}T00:00:00.000Z`) + (endOfDay ? 86_399_999 : 0)
    : Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new VigilError(
      "E_INVALID_ARGUMENT",
      `"${value}" is not a date; use YYYY-MM-DD or ISO-8601`,
    );
  }
  return ms;
}

/** A compiled query: cheap substring tests first, then the exact test on parsed records. */
interface Matcher {
  readonly fromMs: number;
  readonly toMs: number;
  readonly needles: readonly string[];
  matches(record: AuditRecord): boolean;
}

function compile(query: AuditQuery): Matcher {
  if (query.eventType !== undefined) assertEventType(query.eventType);
  if (query.severity !== undefined) assertSeverity(query.severity);
  if (query.minSeverity !== undefined) assertSeverity(query.minSeverity);
  if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) {
    throw new VigilError("E_INVALID_ARGUMENT", "limit must be a whole number of events, 0 or more");
  }
  const fromMs = query.from === undefined ? Number.NEGATIVE_INFINITY : toMillis(query.from);
  const toMs = query.to === undefined ? Number.POSITIVE_INFINITY : toMillis(query.to, true);
  const minRank = query.minSeverity === undefined ? 0 : severityRank(query.minSeverity);
  const text = query.text?.toLowerCase();

  // Substrings every matching line must contain; they skip JSON.parse for most lines.
  const needles: string[] = [];
  if (query.eventType !== undefined) needles.push(`"event_type":"${query.eventType}"`);
  if (query.severity !== undefined) needles.push(`"severity":"${query.severity}"`);
  if (query.username !== undefined) needles.push(`"username":${JSON.stringify(query.username)}`);

  return {
    fromMs,
    toMs,
    needles,
    matches(record) {
      if (query.eventType !== undefined && record.event_type !== query.eventType) return false;
      if (query.severity !== undefined && record.severity !== query.severity) return false;
      if (severityRank(record.severity) < minRank) return false;
      if (query.username !== undefined && record.username !== query.username) return false;
      const ms = Date.parse(record.timestamp);
      if (ms < fromMs || ms > toMs) return false;
      if (text !== undefined) {
        const haystack = `${record.description} ${JSON.stringify(record.details)}`.toLowerCase();
        if (!haystack.includes(text)) return false;
      }
      return true;
    },
  };
}

/**
 * The day files that can hold events between `fromMs` and `toMs`: a late event may sit in the
 * next day's file (a writer never goes back to an older file), so the range ends a day later.
 */
function filesInRange(dir: string, fromMs: number, toMs: number): string[] {
  const first = Number.isFinite(fromMs) ? dayFileName(utcDay(fromMs)) : "";
  const last = Number.isFinite(toMs) ? dayFileName(utcDay(toMs + 86_400_000)) : "\uffff";
  return listDayFiles(dir).filter(
    (file) => DAY_FILE_PATTERN.test(file) && file >= first && file <= last,
  );
}

/**
 * Streams the events of the trail in `dir` that match `query`, oldest first, reading the day
 * files line by line. System records (file starts, seals, retention) are not events and are
 * skipped; `includeSystem` yields them too (as parsed objects).
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` for an unknown type or severity or a bad date.
 * @example
 * for await (const event of streamEvents(dir, { eventType: "login" })) users.add(event.username);
 */
export async function* streamEvents(
  dir: string,
  query: AuditQuery = {},
  options: { includeSystem?: boolean } = {},
): AsyncGenerator<AuditRecord> {
  const matcher = compile(query);
  let remaining = query.limit ?? Number.POSITIVE_INFINITY;
  if (remaining === 0) return;
  const includeSystem = options.includeSystem === true;
  // The longest needle is likely the rarest: the search jumps from hit to hit on it.
  const jump = includeSystem
    ? undefined
    : [...matcher.needles].sort((a, b) => b.length - a.length)[0];
  const jumpBytes = jump === undefined ? undefined : Buffer.from(jump);
  for (const file of filesInRange(dir, matcher.fromMs, matcher.toMs)) {
    for await (const chunk of readLineChunks(join(dir, file))) {
      const lines = jumpBytes === undefined ? allLines(chunk) : linesContaining(chunk, jumpBytes);
      for (const line of lines) {
        const isSystem = line.startsWith('"record":"', 40);
        if (isSystem && !includeSystem) continue;
        if (!isSystem && !matcher.needles.every((needle) => line.includes(needle))) continue;
        let record: AuditRecord;
        try {
          record = JSON.parse(line) as AuditRecord;
        } catch {
          continue; // a torn or damaged line; verify reports it
        }
        // A line that parses but is no record ("null", a number, an array): damage, skipped too.
        if (typeof record !== "object" || record === null || Array.isArray(record)) continue;
        if (!isSystem && !matcher.matches(record)) continue;
        yield record;
        remaining -= 1;
        if (remaining <= 0) return;
      }
    }
  }
}

/** Every line of a chunk, decoded. */
function allLines(chunk: Buffer): string[] {
  return chunk.toString("utf8", 0, chunk.length - 1).split("\n");
}

/**
 * The lines of a chunk that contain `needle`, found by searching the bytes, so that the other
 * lines are never decoded: most of a selective query's speed over jq comes from here.
 */
function* linesContaining(chunk: Buffer, needle: Buffer): Generator<string> {
  let from = 0;
  for (;;) {
    const hit = chunk.indexOf(needle, from);
    if (hit < 0) return;
    const start = chunk.lastIndexOf(0x0a, hit) + 1;
    const newline = chunk.indexOf(0x0a, hit);
    const end = newline < 0 ? chunk.length : newline;
    yield chunk.toString("utf8", start, end);
    from = end + 1;
  }
}

/** Collects {@link streamEvents} into an array. */
export async function queryEvents(dir: string, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const events: AuditRecord[] = [];
  for await (const event of streamEvents(dir, query)) events.push(event);
  return events;
}
