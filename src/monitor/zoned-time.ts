import { VigilError } from "../errors.js";

const HOUR_MS = 60 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** A wall-clock reading in one IANA time zone. */
export interface ZonedParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * Throws unless `timeZone` is an IANA zone this Node knows ("Europe/Berlin", "UTC").
 *
 * @throws {VigilError} `E_CONFIG` naming the setting to fix.
 */
export function assertTimeZone(timeZone: string): void {
  try {
    formatterFor(timeZone);
  } catch (error) {
    throw new VigilError(
      "E_CONFIG",
      `accountMonitoring.timeZone "${timeZone}" is not an IANA time zone; use e.g. "America/New_York"`,
      { cause: error },
    );
  }
}

/** The wall-clock date and time at `ms` in `timeZone` (24-hour). */
export function zonedParts(ms: number, timeZone: string): ZonedParts {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type !== "literal") values[part.type] = Number(part.value);
  }
  return {
    year: values.year ?? 1970,
    month: values.month ?? 1,
    day: values.day ?? 1,
    // Some ICU builds print midnight as 24 even with hourCycle h23.
    hour: (values.hour ?? 0) % 24,
    minute: values.minute ?? 0,
    second: values.second ?? 0,
  };
}

/** The local hour (0-23) at `ms` in `timeZone`. */
export function zonedHour(ms: number, timeZone: string): number {
  return zonedParts(ms, timeZone).hour;
}

/**
 * The instant local midnight began on the day that contains `ms` in `timeZone`. Offsets are
 * re-read at the candidate instant so that a DST change during the day does not shift it.
 */
export function startOfZonedDay(ms: number, timeZone: string): number {
  const parts = zonedParts(ms, timeZone);
  const midnightAsUtc = Date.UTC(parts.year, parts.month - 1, parts.day);
  let candidate = midnightAsUtc - offsetMs(ms, timeZone);
  candidate = midnightAsUtc - offsetMs(candidate, timeZone);
  return candidate;
}

/** The instant the next local day begins after `ms` in `timeZone`. */
export function startOfNextZonedDay(ms: number, timeZone: string): number {
  const today = startOfZonedDay(ms, timeZone);
  // 26 hours always lands inside the next local day, even across a DST change.
  return startOfZonedDay(today + 26 * HOUR_MS, timeZone);
}

/** "HH:MM" at `ms` in `timeZone`, for labels. */
export function formatZonedTime(ms: number, timeZone: string): string {
  const parts = zonedParts(ms, timeZone);
  return `${String(parts.hour).padStart(2, "0")}:${String(parts.minute).padStart(2, "0")}`;
}

function offsetMs(ms: number, timeZone: string): number {
  const parts = zonedParts(ms, timeZone);
  const asUtc = Date.UTC(
    parts.year,
    parts.month - 1,
    parts.day,
    parts.hour,
    parts.minute,
    parts.second,
  );
  return asUtc - Math.floor(ms / 1000) * 1000;
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
