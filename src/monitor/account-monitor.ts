import { isAbsolute, join, resolve, sep } from "node:path";
import type { AuditSink } from "../audit-sink.js";
import { type Clock, systemClock, toIso } from "../clock.js";
import { loadConfig, type VigilConfig } from "../config/index.js";
import { VigilError } from "../errors.js";
import { ensurePrivateDirectory, resolveHome } from "../storage/index.js";
import {
  type ActivityKind,
  ActivityStore,
  type AlertState,
  type NewActivity,
} from "./activity-store.js";
import type { Anomaly, AnomalyType, DetectedAnomaly } from "./anomaly.js";
import { detectBurstActivity } from "./detectors/burst-activity.js";
import { detectDailyLimit } from "./detectors/daily-limit.js";
import type { Detector, MonitorSettings } from "./detectors/detector.js";
import { detectErrorSpike } from "./detectors/error-spike.js";
import { detectFailedLogins } from "./detectors/failed-logins.js";
import { detectRateLimited } from "./detectors/rate-limited.js";
import { detectUnusualHours } from "./detectors/unusual-hours.js";
import { detectUnusualLocation } from "./detectors/unusual-location.js";
import { type HealthStatus, healthScore } from "./health-score.js";
import { GeoIpLocator, type LoginLocation, networkPrefix, resolvePlace } from "./location.js";
import { decidePace, type PaceDecision, paceLookbackMs } from "./pacing-guard.js";
import { classifyNotice, type NoticeKind } from "./platform-notices.js";
import { scrubText } from "./scrub-text.js";
import { assertTimeZone, startOfNextZonedDay, startOfZonedDay } from "./zoned-time.js";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const MAX_NAME_LENGTH = 200;
const MAX_SUMMARY_HOURS = 24 * 400;

/** The database file name inside the data directory. */
export const MONITOR_DATABASE_FILE = "monitor.sqlite";

/** Options for {@link AccountMonitor}; each defaults from config and the environment. */
export interface AccountMonitorOptions {
  /** Data directory. Default: config `home`, else `VIGIL_HOME`, else `./.vigil`. */
  readonly home?: string;
  /** Database file. Default: `accountMonitoring.database`, else `<home>/monitor.sqlite`. */
  readonly database?: string;
  /** Loaded configuration. Default: `loadConfig()`. */
  readonly config?: VigilConfig;
  readonly env?: NodeJS.ProcessEnv;
  /** The source of "now" for every event and window. Default: the system clock. */
  readonly clock?: Clock;
  /** Receives one suspicious_activity event per alert. Default: none. */
  readonly audit?: AuditSink;
  /** Uniform random numbers in [0, 1) for the pacing jitter. Default: `Math.random`. */
  readonly random?: () => number;
  /** A GeoIP reader to use instead of opening `accountMonitoring.geoipDatabase`. */
  readonly geoip?: GeoIpLocator;
  /** Run the detectors (and fire alerts) after every record. Default true. */
  readonly detectOnRecord?: boolean;
}

/** What a record method returns. */
export interface RecordedActivity {
  /** The row id, or null when monitoring is turned off (`enableMonitoring: false`). */
  readonly id: number | null;
  readonly type: ActivityKind;
  readonly at: string;
}

/** What {@link AccountMonitor.recordNotice} returns: the record and how the text was read. */
export interface RecordedNotice extends RecordedActivity {
  readonly noticeKind: NoticeKind;
}

/** One hour of {@link ActivitySummary}. */
export interface HourlyActivity {
  /** Start of the hour (exclusive), ISO UTC. */
  readonly start: string;
  readonly applications: number;
  readonly logins: number;
  readonly errors: number;
  readonly apiCalls: number;
}

/** Counts over the last `hours`, as returned by {@link AccountMonitor.getActivitySummary}. */
export interface ActivitySummary {
  readonly from: string;
  readonly to: string;
  readonly hours: number;
  readonly applications: { count: number; successful: number; failed: number };
  readonly logins: { count: number; successful: number; failed: number };
  readonly logouts: { count: number };
  readonly errors: { count: number; byType: Record<string, number> };
  readonly apiCalls: { count: number; rateLimited: number };
  readonly notices: { count: number; byKind: Record<string, number> };
  /** One entry per hour, oldest first; the last one ends now. */
  readonly hourly: readonly HourlyActivity[];
}

/** The account's health, as returned by {@link AccountMonitor.getHealthStatus}. */
export interface HealthReport {
  /** 0-100, a pure function of the active anomalies (see `healthScore`). */
  readonly healthScore: number;
  readonly status: HealthStatus;
  /** How many anomalies are active (the design's `suspicious_patterns`). */
  readonly suspiciousPatterns: number;
  readonly anomalies: readonly Anomaly[];
  readonly checkedAt: string;
}

/** Called when an anomaly starts, and again after it cleared or `alertRepeatMinutes` passed. */
export type AnomalyListener = (anomaly: Anomaly, alert: { readonly repeat: boolean }) => void;

const DETECTORS: readonly (readonly [keyof MonitorSettings["detectAnomalies"], Detector])[] = [
  ["burstActivity", detectBurstActivity],
  ["failedLogins", detectFailedLogins],
  ["unusualLocation", detectUnusualLocation],
  ["unusualHours", detectUnusualHours],
  ["errorSpike", detectErrorSpike],
  ["rateLimited", detectRateLimited],
  ["dailyLimit", detectDailyLimit],
];

interface PendingAlert {
  readonly anomaly: Anomaly;
  readonly repeat: boolean;
}

/**
 * Watches a bot's account activity: records logins, applications, errors, API calls and
 * platform notices in a SQLite database shared by every process on the machine, detects
 * anomalies over sliding windows, scores the account's health, alerts once per anomaly, and
 * paces applications so the platform's limits are not reached.
 *
 * Every method that touches the database returns a Promise (vigil's rule for disk work), even
 * though the SQLite driver is synchronous underneath. The database opens on first use.
 *
 * @throws {VigilError} `E_CONFIG` at construction for an unknown time zone.
 * @example
 * const monitor = new AccountMonitor();
 * await monitor.recordApplication("Acme", "Engineer");
 * const pace = await monitor.checkPace();
 * if (!pace.allow) await sleep(pace.waitMs);
 * const { healthScore, status } = await monitor.getHealthStatus();
 * monitor.close();
 */
export class AccountMonitor {
  /** The data directory. */
  readonly home: string;
  /** The database file. */
  readonly path: string;
  readonly #config: VigilConfig;
  readonly #settings: MonitorSettings;
  readonly #clock: Clock;
  readonly #options: AccountMonitorOptions;
  readonly #random: () => number;
  readonly #listeners = new Set<AnomalyListener>();
  #store: ActivityStore | undefined;
  #geo: Promise<GeoIpLocator | undefined> | undefined;
  #nextPruneAt = 0;
  #closed = false;

  constructor(options: AccountMonitorOptions = {}) {
    this.#options = options;
    this.#config = options.config ?? loadConfig(options.env ? { env: options.env } : {});
    this.#settings = this.#config.accountMonitoring;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    assertTimeZone(this.#settings.timeZone);
    this.home = resolveHome(options.home ?? this.#config.home, options.env ?? process.env);
    const database = options.database ?? this.#settings.database;
    this.path =
      database === undefined
        ? join(this.home, MONITOR_DATABASE_FILE)
        : isAbsolute(database)
          ? database
          : resolve(database);
  }

  /**
   * Records a login attempt. `location` (from the caller) wins over GeoIP; without either the
   * address's /24 or /48 network stands for the place.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` for an empty username or an `ip` that is not one.
   * @example
   * await monitor.recordLogin("jane", { success: true, ip: "203.0.113.7" });
   */
  async recordLogin(
    username: string,
    options: { success: boolean; ip?: string; location?: LoginLocation },
  ): Promise<RecordedActivity> {
    const name = requireText(username, "username");
    const ip = options.ip?.trim();
    if (ip !== undefined && networkPrefix(ip) === undefined) {
      throw new VigilError(
        "E_INVALID_ARGUMENT",
        `ip "${scrubText(ip, 60)}" is not an IPv4 or IPv6 address`,
      );
    }
    const place = resolvePlace(ip, options.location, await this.#geoip());
    return this.#record({
      kind: "login",
      success: options.success === true,
      subject: name,
      ...(ip === undefined ? {} : { ip }),
      ...(place.place === undefined ? {} : { place: place.place }),
      ...(place.latitude === undefined || place.longitude === undefined
        ? {}
        : { latitude: place.latitude, longitude: place.longitude }),
    });
  }

  /** Records a logout. @throws {VigilError} `E_INVALID_ARGUMENT` for an empty username. */
  async recordLogout(username: string): Promise<RecordedActivity> {
    return this.#record({
      kind: "logout",
      success: true,
      subject: requireText(username, "username"),
    });
  }

  /**
   * Records an application. `success` defaults to true; failed attempts count toward bursts
   * and caps too, because the platform saw them.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` for an empty company or job title.
   * @example
   * await monitor.recordApplication("Company0", "Engineer");
   */
  async recordApplication(
    company: string,
    jobTitle: string,
    options: { success?: boolean; jobId?: string } = {},
  ): Promise<RecordedActivity> {
    const jitterMs = Math.round(
      clampUnit(this.#random()) * this.#settings.pacing.jitterSeconds * 1000,
    );
    return this.#record({
      kind: "application",
      success: options.success ?? true,
      subject: requireText(company, "company"),
      detail: requireText(jobTitle, "jobTitle"),
      ...(options.jobId === undefined ? {} : { jobId: requireText(options.jobId, "jobId") }),
      jitterMs,
    });
  }

  /**
   * Records an error. The message is cut to 300 characters and obvious secrets (tokens,
   * passwords in URLs, bearer headers, long keys) are removed before it is stored.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` for an empty error type.
   */
  async recordError(errorType: string, message: string): Promise<RecordedActivity> {
    return this.#record({
      kind: "error",
      subject: requireText(errorType, "errorType"),
      detail: scrubText(String(message ?? "")),
    });
  }

  /**
   * Records an API call and its HTTP status; 429 counts as rate limiting.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` for an empty API name or a status outside 100-599.
   */
  async recordApiCall(
    api: string,
    options: { statusCode: number; endpoint?: string },
  ): Promise<RecordedActivity> {
    const status = options.statusCode;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new VigilError(
        "E_INVALID_ARGUMENT",
        "statusCode must be an HTTP status from 100 to 599",
      );
    }
    return this.#record({
      kind: "api_call",
      success: status < 400,
      subject: requireText(api, "api"),
      statusCode: status,
      // Query strings often carry keys; keep the path only.
      ...(options.endpoint === undefined
        ? {}
        : { detail: scrubText(options.endpoint.split("?")[0] ?? "", 200) }),
    });
  }

  /**
   * Records a message the platform showed and classifies it: daily-limit and slow-down texts
   * feed the detectors and the pacing guard; unknown texts are kept as `info`.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` for an empty text.
   * @example
   * await monitor.recordNotice("We noticed you're applying at a fast pace"); // slow_down
   */
  async recordNotice(text: string): Promise<RecordedNotice> {
    const clean = requireText(text, "notice", 2000);
    const { kind } = classifyNotice(clean);
    const recorded = await this.#record({
      kind: "notice",
      subject: kind,
      detail: scrubText(clean),
    });
    return { ...recorded, noticeKind: kind };
  }

  /**
   * Counts over the last `hours` (default 24), with one bucket per hour.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` unless `hours` is an integer from 1 to 9600.
   */
  async getActivitySummary(options: { hours?: number } = {}): Promise<ActivitySummary> {
    const hours = options.hours ?? 24;
    if (!Number.isInteger(hours) || hours < 1 || hours > MAX_SUMMARY_HOURS) {
      throw new VigilError(
        "E_INVALID_ARGUMENT",
        `hours must be a whole number from 1 to ${MAX_SUMMARY_HOURS}`,
      );
    }
    const store = this.#open();
    const to = this.#clock.now();
    const from = to - hours * HOUR_MS;
    return summarize(store, from, to, hours);
  }

  /**
   * The anomalies active now, each `{ type, severity, description, detectedAt, evidence }`.
   * Also fires alerts for anomalies that just started.
   */
  async detectSuspiciousPatterns(): Promise<Anomaly[]> {
    return this.#evaluate();
  }

  /** The health score and status, computed from the anomalies active now. */
  async getHealthStatus(): Promise<HealthReport> {
    const anomalies = await this.#evaluate();
    const { score, status } = healthScore(anomalies);
    return {
      healthScore: score,
      status,
      suspiciousPatterns: anomalies.length,
      anomalies,
      checkedAt: toIso(this.#clock.now()),
    };
  }

  /**
   * Asks the pacing guard whether the bot may apply now (see `decidePace` for the rules).
   * Call it before each application and record the application after it.
   *
   * @example
   * for (;;) {
   *   const pace = await monitor.checkPace();
   *   if (pace.allow) break;
   *   if (pace.stop) return; // daily cap, platform limit or critical anomaly
   *   await sleep(pace.waitMs);
   * }
   */
  async checkPace(): Promise<PaceDecision> {
    const anomalies = await this.#evaluate();
    const store = this.#open();
    const nowMs = this.#clock.now();
    const timeZone = this.#settings.timeZone;
    const dayStart = startOfZonedDay(nowMs, timeZone);
    const lastApplication = store.lastApplication();
    return decidePace({
      nowMs,
      settings: this.#settings,
      recentApplications: store.times("application", nowMs - paceLookbackMs(this.#settings), nowMs),
      ...(lastApplication === undefined ? {} : { lastApplication }),
      applicationsToday: store.count("application", dayStart - 1, nowMs),
      slowDownNoticesToday: store.noticeTimes("slow_down", dayStart - 1, nowMs),
      dailyLimitNoticeToday: store.noticeTimes("daily_limit", dayStart - 1, nowMs).length > 0,
      nextDayStartsAt: startOfNextZonedDay(nowMs, timeZone),
      activeAnomalies: anomalies,
    });
  }

  /**
   * Registers `listener` for anomaly alerts; returns a function that removes it. The alert
   * state lives in the database, so several processes (or a restarted one) alert once per
   * anomaly between them; only the process that notices first calls its listeners.
   */
  onAnomaly(listener: AnomalyListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Closes the database. Further calls throw `E_MONITOR`. Safe to call twice. */
  close(): void {
    this.#closed = true;
    this.#store?.close();
    this.#store = undefined;
  }

  async #record(activity: Omit<NewActivity, "at">): Promise<RecordedActivity> {
    const at = this.#clock.now();
    if (!this.#settings.enableMonitoring) return { id: null, type: activity.kind, at: toIso(at) };
    const store = this.#open();
    const id = store.insert({ ...activity, at });
    this.#pruneIfDue(store, at);
    if (this.#options.detectOnRecord !== false) await this.#evaluate();
    return { id, type: activity.kind, at: toIso(at) };
  }

  async #evaluate(): Promise<Anomaly[]> {
    if (!this.#settings.enableMonitoring) return [];
    const store = this.#open();
    const nowMs = this.#clock.now();
    const repeatMs = this.#settings.alertRepeatMinutes * 60_000;

    // Fast path: when nothing starts, repeats or clears, a plain read is enough and no write
    // lock is taken (the common case, on every record).
    let changes = 0;
    const snapshot = reconcileAlerts(
      this.#detect(store, nowMs),
      store.alertStates(),
      () => changes++,
      nowMs,
      repeatMs,
    );
    if (changes === 0) return snapshot.anomalies;

    // Otherwise detect again inside the write transaction: a process that judged an older
    // snapshot must not clear an anomaly another process has just started, or both would alert.
    // "Now" is read again once the lock is held, so events other processes committed while
    // this one waited fall inside the windows.
    const { anomalies, alerts } = store.withAlertState((states, write) => {
      const lockedNowMs = Math.max(nowMs, this.#clock.now());
      return reconcileAlerts(
        this.#detect(store, lockedNowMs),
        states,
        write,
        lockedNowMs,
        repeatMs,
      );
    });
    await this.#deliver(alerts);
    return anomalies;
  }

  #detect(store: ActivityStore, nowMs: number): DetectedAnomaly[] {
    const context = { store, nowMs, settings: this.#settings };
    const detected: DetectedAnomaly[] = [];
    for (const [toggle, detect] of DETECTORS) {
      if (!this.#settings.detectAnomalies[toggle]) continue;
      const found = detect(context);
      if (found !== undefined) detected.push(found);
    }
    return detected;
  }

  async #deliver(alerts: readonly PendingAlert[]): Promise<void> {
    const failures: unknown[] = [];
    for (const { anomaly, repeat } of alerts) {
      await this.#options.audit?.record({
        eventType: "suspicious_activity",
        severity: anomaly.severity,
        description: anomaly.description,
        details: {
          anomalyType: anomaly.type,
          detectedAt: anomaly.detectedAt,
          repeat,
          evidence: anomaly.evidence,
        },
      });
      for (const listener of this.#listeners) {
        try {
          listener(anomaly, { repeat });
        } catch (error) {
          failures.push(error);
        }
      }
    }
    if (failures.length > 0) {
      throw new VigilError(
        "E_MONITOR",
        `${failures.length} onAnomaly listener(s) threw; the activity was recorded, fix the listener`,
        { cause: failures[0] },
      );
    }
  }

  #open(): ActivityStore {
    if (this.#closed)
      throw new VigilError("E_MONITOR", "this AccountMonitor was closed; create a new one");
    if (this.#store === undefined) {
      if (this.path.startsWith(`${this.home}${sep}`)) ensurePrivateDirectory(this.home);
      this.#store = new ActivityStore(this.path);
      this.#pruneIfDue(this.#store, this.#clock.now());
    }
    return this.#store;
  }

  #pruneIfDue(store: ActivityStore, nowMs: number): void {
    if (nowMs < this.#nextPruneAt) return;
    store.prune(nowMs - this.#settings.retentionDays * DAY_MS);
    this.#nextPruneAt = nowMs + HOUR_MS;
  }

  async #geoip(): Promise<GeoIpLocator | undefined> {
    if (this.#options.geoip !== undefined) return this.#options.geoip;
    const path = this.#settings.geoipDatabase;
    if (path === undefined) return undefined;
    this.#geo ??= GeoIpLocator.open(path);
    return this.#geo;
  }
}

/**
 * Decides which detected anomalies alert now and updates the shared alert state: an anomaly
 * alerts when it starts (no active state), and again once `repeatMs` passed since its last
 * alert. Types no longer detected are marked cleared, so their next occurrence alerts afresh.
 */
function reconcileAlerts(
  detected: readonly DetectedAnomaly[],
  states: ReadonlyMap<AnomalyType, AlertState>,
  write: (state: AlertState) => void,
  nowMs: number,
  repeatMs: number,
): { anomalies: Anomaly[]; alerts: PendingAlert[] } {
  const anomalies: Anomaly[] = [];
  const alerts: PendingAlert[] = [];
  for (const found of detected) {
    const state = states.get(found.type);
    const ongoing = state?.active === true;
    const anomaly: Anomaly = { ...found, detectedAt: toIso(ongoing ? state.startedAt : nowMs) };
    anomalies.push(anomaly);
    if (!ongoing) {
      write({
        type: found.type,
        active: true,
        startedAt: nowMs,
        lastAlertedAt: nowMs,
        clearedAt: null,
      });
      alerts.push({ anomaly, repeat: false });
    } else if (nowMs - state.lastAlertedAt >= repeatMs) {
      write({ ...state, lastAlertedAt: nowMs });
      alerts.push({ anomaly, repeat: true });
    }
  }
  const stillActive = new Set(detected.map((found) => found.type));
  for (const state of states.values()) {
    // A process whose clock is behind the one that raised the alert must not clear it.
    const seenByUs = state.lastAlertedAt <= nowMs;
    if (state.active && seenByUs && !stillActive.has(state.type)) {
      write({ ...state, active: false, clearedAt: nowMs });
    }
  }
  return { anomalies, alerts };
}

function summarize(store: ActivityStore, from: number, to: number, hours: number): ActivitySummary {
  const hourly = Array.from({ length: hours }, (_, index) => ({
    start: toIso(from + index * HOUR_MS),
    applications: 0,
    logins: 0,
    errors: 0,
    apiCalls: 0,
  }));
  const totals = new Map<
    ActivityKind,
    { count: number; successful: number; rateLimited: number }
  >();
  for (const row of store.bucketCounts(from, to, HOUR_MS)) {
    const total = totals.get(row.kind) ?? { count: 0, successful: 0, rateLimited: 0 };
    total.count += row.count;
    total.successful += row.successful;
    total.rateLimited += row.rateLimited;
    totals.set(row.kind, total);
    const bucket = hourly[row.bucket];
    if (bucket === undefined) continue;
    if (row.kind === "application") bucket.applications += row.count;
    else if (row.kind === "login") bucket.logins += row.count;
    else if (row.kind === "error") bucket.errors += row.count;
    else if (row.kind === "api_call") bucket.apiCalls += row.count;
  }
  const of = (kind: ActivityKind) =>
    totals.get(kind) ?? { count: 0, successful: 0, rateLimited: 0 };
  const withOutcome = (kind: ActivityKind) => ({
    count: of(kind).count,
    successful: of(kind).successful,
    failed: of(kind).count - of(kind).successful,
  });
  return {
    from: toIso(from),
    to: toIso(to),
    hours,
    applications: withOutcome("application"),
    logins: withOutcome("login"),
    logouts: { count: of("logout").count },
    errors: {
      count: of("error").count,
      byType: toRecord(store.errorTypes(from, to).map((row) => [row.type, row.count])),
    },
    apiCalls: { count: of("api_call").count, rateLimited: of("api_call").rateLimited },
    notices: {
      count: of("notice").count,
      byKind: toRecord(store.noticeKinds(from, to).map((row) => [row.kind, row.count])),
    },
    hourly,
  };
}

function toRecord(entries: readonly (readonly [string, number])[]): Record<string, number> {
  // Keys come from user input (error types); a null-prototype object cannot be polluted.
  const record = Object.create(null) as Record<string, number>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}

function requireText(value: unknown, field: string, maxLength = MAX_NAME_LENGTH): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new VigilError("E_INVALID_ARGUMENT", `${field} must be a non-empty string`);
  }
  return scrubText(value, maxLength);
}

function clampUnit(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
}
