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
  const local = new Date(ms + offsetMs(ms, timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
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

/*
 * Intl's formatToParts costs several microseconds a call, and the detectors ask for the local
 * time of every event in a window. A zone's UTC offset only changes at transitions, which in
 * every zone in use since the 1970s fall on a quarter hour; so the offset is read once per zone
 * and quarter hour and cached (bounded, cleared when full).
 */
const QUARTER_HOUR_MS = 15 * 60 * 1000;
const MAX_CACHED_OFFSETS = 50_000;
const offsets = new Map<string, number>();

function offsetMs(ms: number, timeZone: string): number {
  const quarter = Math.floor(ms / QUARTER_HOUR_MS);
  const key = `${timeZone}|${quarter}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;

  const instant = quarter * QUARTER_HOUR_MS;
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") values[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(
    values.year ?? 1970,
    (values.month ?? 1) - 1,
    values.day ?? 1,
    // Some ICU builds print midnight as 24 even with hourCycle h23.
    (values.hour ?? 0) % 24,
    values.minute ?? 0,
    values.second ?? 0,
  );
  const offset = asUtc - instant;
  if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
  offsets.set(key, offset);
  return offset;
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
