import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { VigilError } from "../errors.js";
import { assertPrivate } from "../storage/index.js";
import type { AnomalyType } from "./anomaly.js";
import type { NoticeKind } from "./platform-notices.js";

/** The kinds of event the store keeps. */
export type ActivityKind = "login" | "logout" | "application" | "error" | "api_call" | "notice";

/** One row to insert. Free text must already be scrubbed and cut to size. */
export interface NewActivity {
  readonly at: number;
  readonly kind: ActivityKind;
  readonly success?: boolean;
  /** Username, company, error type, API name or notice kind. */
  readonly subject?: string;
  /** Job title, error message, endpoint or notice text. */
  readonly detail?: string;
  readonly jobId?: string;
  readonly statusCode?: number;
  readonly ip?: string;
  readonly place?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  /** For applications: the random part of the gap the pacing guard asks for after it. */
  readonly jitterMs?: number;
}

/** A login as the location detector reads it. */
export interface LoginRow {
  readonly id: number;
  readonly at: number;
  readonly success: boolean;
  readonly ip: string | null;
  readonly place: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
}

/** The alert bookkeeping for one anomaly type, shared by every process. */
export interface AlertState {
  readonly type: AnomalyType;
  readonly active: boolean;
  readonly startedAt: number;
  readonly lastAlertedAt: number;
  readonly clearedAt: number | null;
}

/** One (kind, hour bucket) count for summaries. */
export interface BucketCount {
  readonly kind: ActivityKind;
  readonly bucket: number;
  readonly count: number;
  readonly successful: number;
  readonly rateLimited: number;
}

const SCHEMA_VERSION = 1;
const KINDS: readonly ActivityKind[] = [
  "login",
  "logout",
  "application",
  "error",
  "api_call",
  "notice",
];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  success INTEGER,
  subject TEXT,
  detail TEXT,
  job_id TEXT,
  status_code INTEGER,
  ip TEXT,
  place TEXT,
  latitude REAL,
  longitude REAL,
  jitter_ms INTEGER
);
CREATE INDEX IF NOT EXISTS events_kind_at ON events (kind, at);
CREATE INDEX IF NOT EXISTS events_place_at ON events (place, at) WHERE place IS NOT NULL;
CREATE TABLE IF NOT EXISTS alert_state (
  type TEXT PRIMARY KEY,
  active INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  last_alerted_at INTEGER NOT NULL,
  cleared_at INTEGER
);
`;

interface RawLogin {
  id: number;
  at: number;
  success: number | null;
  ip: string | null;
  place: string | null;
  latitude: number | null;
  longitude: number | null;
}

interface RawAlertState {
  type: AnomalyType;
  active: number;
  started_at: number;
  last_alerted_at: number;
  cleared_at: number | null;
}

/**
 * The monitor's embedded SQLite database. WAL mode lets many processes (several bots, the CLI,
 * the agent) read while one writes; `busy_timeout` makes a writer wait for another instead of
 * failing. Every query is a prepared statement over an index on (kind, time), so the cost of a
 * window query depends on the window, not on how much history the file holds.
 *
 * All methods are synchronous (better-sqlite3); {@link AccountMonitor} wraps them in Promises.
 *
 * @throws {VigilError} `E_MONITOR` when the file cannot be opened or is not a monitor database;
 *   `E_INSECURE_PERMISSIONS` when it is readable by others.
 */
export class ActivityStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #statements;

  constructor(path: string, options: { busyTimeoutMs?: number } = {}) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Create the file ourselves so it is 0600 from the first instant; SQLite gives the -wal
    // and -shm files the same mode as the database.
    closeSync(openSync(path, "a", 0o600));
    assertPrivate(path);
    try {
      this.#db = new Database(path);
      this.#db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.#db.pragma("journal_mode = WAL");
      // NORMAL in WAL mode survives a process crash; a power cut may lose the last events,
      // which is acceptable for activity counts and keeps recording fast.
      this.#db.pragma("synchronous = NORMAL");
      this.#migrate();
    } catch (error) {
      if (error instanceof VigilError) throw error;
      throw new VigilError(
        "E_MONITOR",
        `could not open the monitor database ${path}; if it is damaged, move it aside and retry`,
        { cause: error },
      );
    }
    this.#statements = this.#prepare();
  }

  /** Inserts one event and returns its id. */
  insert(activity: NewActivity): number {
    return writing(() => Number(this.#statements.insert.run(toRow(activity)).lastInsertRowid));
  }

  /** Inserts many events in one transaction (imports, tests and benchmarks). */
  insertMany(activities: readonly NewActivity[]): void {
    const insert = this.#statements.insert;
    writing(() =>
      this.#db.transaction((rows: readonly NewActivity[]) => {
        for (const row of rows) insert.run(toRow(row));
      })(activities),
    );
  }

  /** Times (ms, ascending) of events of `kind` with `from < at <= to`. */
  times(kind: ActivityKind, from: number, to: number): number[] {
    return this.#statements.times.all(kind, from, to) as number[];
  }

  /** How many events of `kind` have `from < at <= to`, optionally only failures. */
  count(kind: ActivityKind, from: number, to: number, onlyFailures = false): number {
    const statement = onlyFailures ? this.#statements.countFailures : this.#statements.count;
    return statement.get(kind, from, to) as number;
  }

  /** Times of API calls answered 429 with `from < at <= to`. */
  rateLimitedTimes(from: number, to: number): number[] {
    return this.#statements.rateLimitedTimes.all(from, to) as number[];
  }

  /** Times of notices of `noticeKind` with `from < at <= to`. */
  noticeTimes(noticeKind: NoticeKind, from: number, to: number): number[] {
    return this.#statements.noticeTimes.all(noticeKind, from, to) as number[];
  }

  /** Times of applications and logins with `from < at <= to` (for unusual hours). */
  presenceTimes(from: number, to: number): number[] {
    return this.#statements.presenceTimes.all(from, to) as number[];
  }

  /** Logins with `from < at <= to`, oldest first. */
  logins(from: number, to: number): LoginRow[] {
    return (this.#statements.logins.all(from, to) as RawLogin[]).map(toLogin);
  }

  /** True when a login from `place` happened before `before`. */
  placeSeenBefore(place: string, before: number): boolean {
    return this.#statements.placeSeen.get(place, before) !== undefined;
  }

  /** True when any login with a known place happened before `before` (a baseline exists). */
  anyPlaceBefore(before: number): boolean {
    return this.#statements.anyPlace.get(before) !== undefined;
  }

  /** The latest login with coordinates strictly before `before`, if any. */
  previousLocatedLogin(before: number): LoginRow | undefined {
    const row = this.#statements.previousLocated.get(before) as RawLogin | undefined;
    return row === undefined ? undefined : toLogin(row);
  }

  /** The latest application, with its jitter, if any. */
  lastApplication(): { at: number; jitterMs: number } | undefined {
    const row = this.#statements.lastApplication.get() as
      | { at: number; jitter_ms: number | null }
      | undefined;
    return row === undefined ? undefined : { at: row.at, jitterMs: row.jitter_ms ?? 0 };
  }

  /** Counts per kind and per `bucketMs` bucket for `from < at <= to`; bucket 0 starts at `from`. */
  bucketCounts(from: number, to: number, bucketMs: number): BucketCount[] {
    const rows = this.#statements.buckets.all({ from, to, bucketMs }) as {
      kind: ActivityKind;
      bucket: number;
      count: number;
      successful: number | null;
      rate_limited: number | null;
    }[];
    return rows.map((row) => ({
      kind: row.kind,
      bucket: row.bucket,
      count: row.count,
      successful: row.successful ?? 0,
      rateLimited: row.rate_limited ?? 0,
    }));
  }

  /** Error counts per error type for `from < at <= to`. */
  errorTypes(from: number, to: number): { type: string; count: number }[] {
    return this.#statements.errorTypes.all(from, to) as { type: string; count: number }[];
  }

  /** Notice counts per notice kind for `from < at <= to`. */
  noticeKinds(from: number, to: number): { kind: string; count: number }[] {
    return this.#statements.noticeKinds.all(from, to) as { kind: string; count: number }[];
  }

  /** Deletes events at or before `cutoff`; returns how many were removed. */
  prune(cutoff: number): number {
    let removed = 0;
    for (const kind of KINDS) {
      removed += writing(() => this.#statements.prune.run(kind, cutoff).changes);
    }
    return removed;
  }

  /**
   * Runs `work` with the alert state inside one IMMEDIATE transaction, so that two processes
   * deciding at the same moment take turns and the second sees what the first wrote.
   */
  withAlertState<T>(work: (states: Map<AnomalyType, AlertState>, write: AlertWriter) => T): T {
    const run = this.#db.transaction(() => {
      return work(this.alertStates(), (state) => {
        this.#statements.upsertAlert.run({
          type: state.type,
          active: state.active ? 1 : 0,
          started_at: state.startedAt,
          last_alerted_at: state.lastAlertedAt,
          cleared_at: state.clearedAt,
        });
      });
    });
    return writing(() => run.immediate());
  }

  /** The alert state of every anomaly type that ever alerted (a read, no lock held after). */
  alertStates(): Map<AnomalyType, AlertState> {
    const states = new Map<AnomalyType, AlertState>();
    for (const row of this.#statements.alertStates.all() as RawAlertState[]) {
      states.set(row.type, toAlertState(row));
    }
    return states;
  }

  /** Closes the connection. Safe to call twice. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #migrate(): void {
    const version = this.#db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new VigilError(
        "E_UNSUPPORTED_FORMAT",
        `${this.path} was written by a newer vigil (schema ${version}); upgrade vigil`,
      );
    }
    this.#db.exec(SCHEMA);
    if (version < SCHEMA_VERSION) this.#db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }

  #prepare() {
    const db = this.#db;
    return {
      insert: db.prepare(
        `INSERT INTO events (at, kind, success, subject, detail, job_id, status_code, ip, place,
           latitude, longitude, jitter_ms)
         VALUES (@at, @kind, @success, @subject, @detail, @job_id, @status_code, @ip, @place,
           @latitude, @longitude, @jitter_ms)`,
      ),
      times: db
        .prepare("SELECT at FROM events WHERE kind = ? AND at > ? AND at <= ? ORDER BY at")
        .pluck(),
      count: db
        .prepare("SELECT count(*) FROM events WHERE kind = ? AND at > ? AND at <= ?")
        .pluck(),
      countFailures: db
        .prepare(
          "SELECT count(*) FROM events WHERE kind = ? AND at > ? AND at <= ? AND success = 0",
        )
        .pluck(),
      rateLimitedTimes: db
        .prepare(
          "SELECT at FROM events WHERE kind = 'api_call' AND at > ? AND at <= ? AND status_code = 429 ORDER BY at",
        )
        .pluck(),
      noticeTimes: db
        .prepare(
          "SELECT at FROM events WHERE kind = 'notice' AND subject = ? AND at > ? AND at <= ? ORDER BY at",
        )
        .pluck(),
      presenceTimes: db
        .prepare(
          "SELECT at FROM events WHERE kind IN ('application', 'login') AND at > ? AND at <= ? ORDER BY at",
        )
        .pluck(),
      logins: db.prepare(
        `SELECT id, at, success, ip, place, latitude, longitude FROM events
         WHERE kind = 'login' AND at > ? AND at <= ? ORDER BY at, id`,
      ),
      placeSeen: db.prepare(
        "SELECT 1 FROM events WHERE place = ? AND at < ? AND kind = 'login' LIMIT 1",
      ),
      anyPlace: db.prepare(
        "SELECT 1 FROM events WHERE kind = 'login' AND at < ? AND place IS NOT NULL LIMIT 1",
      ),
      previousLocated: db.prepare(
        `SELECT id, at, success, ip, place, latitude, longitude FROM events
         WHERE kind = 'login' AND at < ? AND latitude IS NOT NULL ORDER BY at DESC LIMIT 1`,
      ),
      lastApplication: db.prepare(
        "SELECT at, jitter_ms FROM events WHERE kind = 'application' ORDER BY at DESC LIMIT 1",
      ),
      buckets: db.prepare(
        `SELECT kind, CAST((at - @from - 1) / @bucketMs AS INTEGER) AS bucket, count(*) AS count,
           sum(success = 1) AS successful, sum(status_code = 429) AS rate_limited
         FROM events
         WHERE kind IN ('login', 'logout', 'application', 'error', 'api_call', 'notice')
           AND at > @from AND at <= @to
         GROUP BY kind, bucket`,
      ),
      errorTypes: db.prepare(
        `SELECT subject AS type, count(*) AS count FROM events
         WHERE kind = 'error' AND at > ? AND at <= ? GROUP BY subject ORDER BY count DESC`,
      ),
      noticeKinds: db.prepare(
        `SELECT subject AS kind, count(*) AS count FROM events
         WHERE kind = 'notice' AND at > ? AND at <= ? GROUP BY subject ORDER BY count DESC`,
      ),
      prune: db.prepare("DELETE FROM events WHERE kind = ? AND at <= ?"),
      alertStates: db.prepare(
        "SELECT type, active, started_at, last_alerted_at, cleared_at FROM alert_state",
      ),
      upsertAlert: db.prepare(
        `INSERT INTO alert_state (type, active, started_at, last_alerted_at, cleared_at)
         VALUES (@type, @active, @started_at, @last_alerted_at, @cleared_at)
         ON CONFLICT (type) DO UPDATE SET active = excluded.active, started_at = excluded.started_at,
           last_alerted_at = excluded.last_alerted_at, cleared_at = excluded.cleared_at`,
      ),
    };
  }
}

/**
 * Runs a database write, turning SQLite's failures (a full disk, an I/O error, a read-only
 * file) into `E_MONITOR` with advice; SQLite rolls the statement back, so earlier rows stay.
 */
function writing<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("SQLITE_")) throw error;
    const advice =
      code === "SQLITE_FULL"
        ? "the disk is full; free space and retry"
        : "check the disk and the file's permissions, then retry";
    throw new VigilError(
      "E_MONITOR",
      `could not write to the monitor database (${code}: ${(error as Error).message}); ${advice}. ` +
        "Earlier activity is unchanged",
      { cause: error },
    );
  }
}

/** Writes one alert state row (inside {@link ActivityStore.withAlertState}). */
export type AlertWriter = (state: AlertState) => void;

function toRow(activity: NewActivity): Record<string, unknown> {
  return {
    at: activity.at,
    kind: activity.kind,
    success: activity.success === undefined ? null : activity.success ? 1 : 0,
    subject: activity.subject ?? null,
    detail: activity.detail ?? null,
    job_id: activity.jobId ?? null,
    status_code: activity.statusCode ?? null,
    ip: activity.ip ?? null,
    place: activity.place ?? null,
    latitude: activity.latitude ?? null,
    longitude: activity.longitude ?? null,
    jitter_ms: activity.jitterMs ?? null,
  };
}

function toLogin(row: RawLogin): LoginRow {
  return {
    id: row.id,
    at: row.at,
    success: row.success === 1,
    ip: row.ip,
    place: row.place,
    latitude: row.latitude,
    longitude: row.longitude,
  };
}

function toAlertState(row: RawAlertState): AlertState {
  return {
    type: row.type,
    active: row.active === 1,
    startedAt: row.started_at,
    lastAlertedAt: row.last_alerted_at,
    clearedAt: row.cleared_at,
  };
}
