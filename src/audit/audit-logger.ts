import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { AuditSink, AuditSinkEvent } from "../audit-sink.js";
import { type CancelTimer, type Clock, systemClock } from "../clock.js";
import { loadConfig, type VigilConfig } from "../config/index.js";
import { VigilError } from "../errors.js";
import { ensurePrivateDirectory, resolveHome } from "../storage/index.js";
import {
  type AuditEventInput,
  type AuditRecord,
  type AuditSeverity,
  assertEventType,
  assertSeverity,
  defaultSeverity,
} from "./audit-event.js";
import {
  type AuditKeySource,
  type AuditKeys,
  type AuditRawKeys,
  resolveAuditKeys,
} from "./audit-keys.js";
import { ChainWriter, type PendingLine } from "./chain-writer.js";
import { type ExportOptions, exportTrail } from "./export-logs.js";
import { type AuditQuery, queryEvents, streamEvents } from "./query.js";
import { Redactor } from "./redaction.js";
import { SyslogForwarder, type SyslogOptions } from "./syslog-forwarder.js";
import { type VerifyOptions, type VerifyReport, verifyTrail } from "./verify.js";

/** Options for {@link AuditLogger}; every one has a default. */
export interface AuditLoggerOptions {
  /** Data directory; default `VIGIL_HOME` or `./.vigil`. */
  readonly home?: string;
  /** Default `auditLogging.logDirectory`, else `<home>/audit`. */
  readonly logDirectory?: string;
  /** Default: `loadConfig()`. */
  readonly config?: VigilConfig;
  /** Default: the system clock. Timestamps, seal timers and retention follow it. */
  readonly clock?: Clock;
  /** Default `auditLogging.durability` ("batched"). */
  readonly durability?: "fsync" | "batched";
  /** Default `auditLogging.batchIntervalMs` (5). */
  readonly batchIntervalMs?: number;
  /**
   * Where the seal and fingerprint keys come from: the vault (anything with `deriveSubkey`) or
   * raw keys. Without one the trail is chained but unkeyed (see docs/audit-format.md).
   */
  readonly keys?: AuditKeySource | AuditRawKeys;
  /** The username of events that name none; default the OS user. */
  readonly username?: string;
  /** Syslog forwarding; default `auditLogging.syslog`; `false` turns it off. */
  readonly syslog?: SyslogOptions | false;
  /** Told about background failures (syslog delivery, timed seals); default: ignored. */
  readonly onError?: (error: Error) => void;
}

interface Queued {
  readonly timestampMs: number;
  readonly input: AuditEventInput;
  readonly severity: AuditSeverity;
  readonly username: string;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Batches never grow past this many events; a full batch is written at once. */
const MAX_BATCH = 1024;

/**
 * The tamper-evident audit trail: one JSON line per event in `<home>/audit/YYYY-MM-DD.jsonl`,
 * hash-chained, MACed and sealed with a key from the vault, safe for several processes at once,
 * queryable from disk, exportable (JSON, JSONL, CSV, ECS, CEF) and forwardable to syslog.
 * Implements {@link AuditSink}, so the vault, the secrets manager and the monitor can be given
 * a logger.
 *
 * Each `log*` method resolves once the event is written (fsynced in both modes; `batched` waits
 * up to `batchIntervalMs` to share one write and fsync with other events).
 *
 * @throws {VigilError} `E_INVALID_ARGUMENT` (from the log methods) for an unknown event type or
 *   severity; `E_AUDIT` when the trail is keyed and this logger has no key or another key.
 * @example
 * const logger = new AuditLogger({ keys: vault });
 * await logger.logLogin("john_doe", { success: true, ip: "192.168.1.1" });
 * const logins = await logger.getEvents({ eventType: "login" });
 * await logger.close();
 */
export class AuditLogger implements AuditSink {
  /** The folder holding the day files. */
  readonly directory: string;
  readonly #config: VigilConfig;
  readonly #clock: Clock;
  readonly #options: AuditLoggerOptions;
  readonly #durability: "fsync" | "batched";
  readonly #batchIntervalMs: number;
  readonly #writerId = `w${process.pid.toString(36)}-${randomBytes(4).toString("hex")}`;
  readonly #defaultUser: string;
  readonly #pendingSecrets: string[] = [];
  #queue: Queued[] = [];
  #batchTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** Settles once the event queued last (and so every event before it) is written or failed. */
  #lastQueued: Promise<void> = Promise.resolve();
  #ready: Promise<{ keys: AuditKeys; redactor: Redactor; writer: ChainWriter }> | undefined;
  #forwarder: SyslogForwarder | undefined;
  #background = new Set<Promise<unknown>>();
  #timers: CancelTimer[] = [];
  #closed = false;

  constructor(options: AuditLoggerOptions = {}) {
    this.#options = options;
    this.#config = options.config ?? loadConfig();
    this.#clock = options.clock ?? systemClock;
    const settings = this.#config.auditLogging;
    const home = resolveHome(options.home ?? this.#config.home);
    this.directory = resolve(options.logDirectory ?? settings.logDirectory ?? join(home, "audit"));
    this.#durability = options.durability ?? settings.durability;
    this.#batchIntervalMs = options.batchIntervalMs ?? settings.batchIntervalMs;
    this.#defaultUser = options.username ?? osUser();
    const syslog = options.syslog ?? settings.syslog;
    if (syslog) this.#forwarder = new SyslogForwarder(syslog, options.onError);
  }

  /**
   * Writes one event. Severity defaults by type; username defaults to the logger's.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` for an unknown type or severity; `E_AUDIT` after
   *   `close()`.
   */
  log(event: AuditEventInput): Promise<AuditRecord> {
    try {
      assertEventType(event.eventType);
      const severity = event.severity ?? defaultSeverity(event.eventType);
      assertSeverity(severity);
      if (typeof event.description !== "string") {
        throw new VigilError("E_INVALID_ARGUMENT", "an audit event needs a description (text)");
      }
      if (this.#closed) throw new VigilError("E_AUDIT", "the audit logger was closed");
      return this.#enqueue(event, severity, event.username ?? this.#defaultUser);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link AuditSink} for the vault, the secrets manager and the monitor. */
  async record(event: AuditSinkEvent): Promise<void> {
    await this.log(event);
  }

  /** A login attempt: medium when it succeeded, high when it failed. */
  logLogin(username: string, outcome: { success: boolean; ip?: string }): Promise<AuditRecord> {
    return this.log({
      eventType: "login",
      severity: defaultSeverity("login", outcome),
      username,
      description: `login ${outcome.success ? "succeeded" : "failed"} for ${username}`,
      details: {
        success: outcome.success,
        ...(outcome.ip === undefined ? {} : { ip: outcome.ip }),
      },
    });
  }

  /** A session ended (low). */
  logLogout(username: string, details: Record<string, unknown> = {}): Promise<AuditRecord> {
    return this.log({
      eventType: "logout",
      username,
      description: `logout of ${username}`,
      details,
    });
  }

  /** A credential was read (low). `action` defaults to "get". */
  logCredentialAccess(name: string, options: { action?: string; username?: string } = {}) {
    return this.#credentialEvent("credential_access", name, options.action ?? "get", options);
  }

  /** A credential was created, changed or deleted (high). `action` defaults to "update". */
  logCredentialModify(name: string, options: { action?: string; username?: string } = {}) {
    return this.#credentialEvent("credential_modify", name, options.action ?? "update", options);
  }

  /** A credential was rotated (medium). `action` defaults to "rotate". */
  logCredentialRotate(name: string, options: { action?: string; username?: string } = {}) {
    return this.#credentialEvent("credential_rotate", name, options.action ?? "rotate", options);
  }

  /** An external API call: low below HTTP 400, medium from 400. */
  logApiCall(
    api: string,
    endpoint: string,
    options: { method?: string; statusCode?: number; username?: string } = {},
  ): Promise<AuditRecord> {
    const method = options.method ?? "GET";
    const statusSuffix = options.statusCode === undefined ? "" : ` -> ${options.statusCode}`;
    return this.log({
      eventType: "api_call",
      severity: defaultSeverity("api_call", options),
      ...(options.username === undefined ? {} : { username: options.username }),
      description: `${method} ${api} ${endpoint}${statusSuffix}`,
      details: {
        api,
        endpoint,
        method,
        ...(options.statusCode === undefined ? {} : { status_code: options.statusCode }),
      },
    });
  }

  /** An error (high). `context` goes to the details, redacted like any details. */
  logError(errorType: string, message: string, context: Record<string, unknown> = {}) {
    return this.log({
      eventType: "error",
      description: message,
      details: { error_type: errorType, context },
    });
  }

  /** Something suspicious (default high). */
  logSuspiciousActivity(
    activityType: string,
    details: Record<string, unknown> = {},
    severity?: AuditSeverity,
  ): Promise<AuditRecord> {
    return this.log({
      eventType: "suspicious_activity",
      ...(severity === undefined ? {} : { severity }),
      description: `suspicious activity: ${activityType}`,
      details: { activity_type: activityType, ...details },
    });
  }

  /** A change to an account (medium): `change` says what, e.g. "email updated". */
  logAccountChange(username: string, change: string, details: Record<string, unknown> = {}) {
    return this.log({
      eventType: "account_change",
      username,
      description: `account change for ${username}: ${change}`,
      details: { change, ...details },
    });
  }

  /** A policy was broken (default high). */
  logPolicyViolation(
    policy: string,
    details: Record<string, unknown> = {},
    severity?: AuditSeverity,
  ): Promise<AuditRecord> {
    return this.log({
      eventType: "policy_violation",
      ...(severity === undefined ? {} : { severity }),
      description: `policy violated: ${policy}`,
      details: { policy, ...details },
    });
  }

  /**
   * Tells the logger a secret value, so that any detail equal to it is written as its
   * fingerprint. Only the fingerprint is kept once the keys are ready.
   */
  registerSecretValue(value: string): void {
    this.#pendingSecrets.push(value);
  }

  /** The fingerprint (`hmac-sha256:<hex>`) a value gets in this trail, to search for it. */
  async hash(value: string): Promise<string> {
    return (await this.#setup()).redactor.fingerprint(value);
  }

  /**
   * Events matching `query`, oldest first, read from disk (so they include other processes'
   * events and survive restarts). This logger's pending events are written first.
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` for an unknown type or severity or a bad date.
   */
  async getEvents(query: AuditQuery = {}): Promise<AuditRecord[]> {
    await this.flush();
    return queryEvents(this.directory, query);
  }

  /** Streams matching events without collecting them (for large ranges). */
  async *streamEvents(query: AuditQuery = {}): AsyncGenerator<AuditRecord> {
    await this.flush();
    yield* streamEvents(this.directory, query);
  }

  /** Every event of `username`, oldest first. */
  getEventsByUser(username: string, query: Omit<AuditQuery, "username"> = {}) {
    return this.getEvents({ ...query, username });
  }

  /**
   * Every event of one UTC day, `YYYY-MM-DD` (from 00:00:00.000 through 23:59:59.999).
   *
   * @throws {VigilError} `E_INVALID_ARGUMENT` when `date` is not `YYYY-MM-DD`.
   */
  async getEventsByDate(
    date: string,
    query: Omit<AuditQuery, "from" | "to"> = {},
  ): Promise<AuditRecord[]> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
      throw new VigilError("E_INVALID_ARGUMENT", `"${date}" is not a date; use YYYY-MM-DD`);
    }
    return this.getEvents({ ...query, from: date, to: date });
  }

  /** Writes matching events to `path` (0600, atomically); see `exportTrail`. */
  async exportLogs(path: string, options: ExportOptions = {}): Promise<number> {
    await this.flush();
    return exportTrail(this.directory, path, options);
  }

  /** Checks the trail with this logger's keys; see `verifyTrail`. */
  async verify(options: Omit<VerifyOptions, "keys"> = {}): Promise<VerifyReport> {
    await this.flush();
    const { keys } = await this.#setup();
    return verifyTrail(this.directory, { ...options, keys });
  }

  /** Writes a seal now (a keyed MAC over the chain head); nothing on an unkeyed trail. */
  async seal(reason = "manual"): Promise<void> {
    await this.flush();
    await (await this.#setup()).writer.seal(reason);
  }

  /** Writes every pending event and waits for background work (timed seals). */
  async flush(): Promise<void> {
    await this.#flushQueue();
    await Promise.all([...this.#background]);
  }

  /** Flushes, seals what this logger wrote, stops timers and closes the syslog connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    for (const cancel of this.#timers.splice(0)) cancel();
    if (this.#ready !== undefined) {
      const { writer } = await this.#ready;
      if (writer.linesSinceSeal > 0) await writer.seal("close");
    }
    await this.#forwarder?.close();
  }

  #credentialEvent(
    eventType: "credential_access" | "credential_modify" | "credential_rotate",
    name: string,
    action: string,
    options: { username?: string },
  ): Promise<AuditRecord> {
    return this.log({
      eventType,
      ...(options.username === undefined ? {} : { username: options.username }),
      description: `credential ${name}: ${action}`,
      details: { credential: name, action },
    });
  }

  #enqueue(
    input: AuditEventInput,
    severity: AuditSeverity,
    username: string,
  ): Promise<AuditRecord> {
    const written = new Promise<AuditRecord>((resolveRecord, reject) => {
      this.#queue.push({
        timestampMs: this.#clock.now(),
        input,
        severity,
        username,
        resolve: resolveRecord,
        reject,
      });
      if (this.#durability === "fsync" || this.#queue.length >= MAX_BATCH) {
        this.#clearBatchTimer();
        this.#flushing = this.#flushing.then(() => this.#drain());
      } else if (this.#batchTimer === undefined) {
        // A real timer, not the injected clock: batching is I/O pacing, not audit time.
        this.#batchTimer = setTimeout(() => {
          this.#batchTimer = undefined;
          this.#flushing = this.#flushing.then(() => this.#drain());
        }, this.#batchIntervalMs);
      }
    });
    this.#lastQueued = written.then(
      () => undefined,
      () => undefined,
    );
    return written;
  }

  /** Writes the queue, without waiting for background work (timed seals call this). */
  #flushQueue(): Promise<void> {
    this.#clearBatchTimer();
    this.#flushing = this.#flushing.then(() => this.#drain());
    // Batches are written in order, so the last event queued so far settles after every one
    // before it. Waiting for it, not for an empty queue, lets flush() return while other tasks
    // keep logging.
    return this.#lastQueued;
  }

  #clearBatchTimer(): void {
    if (this.#batchTimer !== undefined) clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
  }

  async #drain(): Promise<void> {
    let batches = 0;
    while (this.#queue.length > 0) {
      // Between batches, let timers and I/O run: callers that log again as soon as their event
      // resolves would otherwise keep this loop going in microtasks alone, and the process
      // would never run a timer, answer a request or return from flush() again.
      if (batches++ > 0) await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#queue.splice(0, MAX_BATCH);
      try {
        await this.#writeBatch(batch);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  }

  async #writeBatch(batch: readonly Queued[]): Promise<void> {
    const { redactor, writer } = await this.#setup();
    for (const secret of this.#pendingSecrets.splice(0)) redactor.registerSecretValue(secret);

    // One mutable record per event, completed with its chain fields once written; the JSON is
    // assembled by hand (type and severity are validated names, the rest goes through
    // JSON.stringify) because this runs a million times in the benchmark.
    const records: Mutable<AuditRecord>[] = [];
    const pending: PendingLine[] = [];
    for (const entry of batch) {
      const { input } = entry;
      const record: Mutable<AuditRecord> = {
        timestamp: new Date(entry.timestampMs).toISOString(),
        event_type: input.eventType,
        severity: entry.severity,
        username: redactor.redactText(entry.username),
        description: redactor.redactText(input.description),
        details: redactor.redact(input.details ?? {}),
        seq: 0,
        writer: this.#writerId,
        prev: "",
        hash: "",
        mac: null,
      };
      records.push(record);
      pending.push({
        timestampMs: entry.timestampMs,
        openBody:
          `{"timestamp":"${record.timestamp}","event_type":"${record.event_type}",` +
          `"severity":"${record.severity}","username":${JSON.stringify(record.username)},` +
          `"description":${JSON.stringify(record.description)},` +
          `"details":${JSON.stringify(record.details)}`,
      });
    }
    const written = await writer.append(pending);

    for (let index = 0; index < written.length; index++) {
      const line = written[index] as (typeof written)[number];
      const record = records[index] as Mutable<AuditRecord>;
      record.seq = line.seq;
      record.prev = line.prev;
      record.hash = line.hash;
      record.mac = line.mac;
      batch[index]?.resolve(record);
    }
    if (this.#forwarder !== undefined) this.#track(this.#forwarder.send(records));
  }

  /** Keys, redactor and writer, made once (the key source may be slow: a vault unlock). */
  #setup(): Promise<{ keys: AuditKeys; redactor: Redactor; writer: ChainWriter }> {
    this.#ready ??= (async () => {
      ensurePrivateDirectory(this.directory);
      const keys = await resolveAuditKeys(this.#options.keys, this.directory);
      const settings = this.#config.auditLogging;
      const redactor = new Redactor(keys.fingerprintKey, settings.redactKeys);
      const writer = new ChainWriter({
        dir: this.directory,
        keys,
        writerId: this.#writerId,
        clock: this.#clock,
        sync: true,
        maxLogFiles: settings.maxLogFiles,
        lockTimeoutMs: settings.lockTimeoutMs,
      });
      this.#startSealTimers(writer);
      return { keys, redactor, writer };
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  #startSealTimers(writer: ChainWriter): void {
    const intervalMs = this.#config.auditLogging.sealIntervalMinutes * 60_000;
    const every = (): void => {
      if (this.#closed) return;
      if (writer.linesSinceSeal > 0)
        this.#track(this.#flushQueue().then(() => writer.seal("interval")));
      this.#timers.push(this.#clock.setTimer(every, intervalMs));
    };
    const atMidnight = (): void => {
      if (this.#closed) return;
      if (writer.linesSinceSeal > 0)
        this.#track(this.#flushQueue().then(() => writer.seal("day_end")));
      this.#timers.push(this.#clock.setTimer(atMidnight, msUntilUtcMidnight(this.#clock.now())));
    };
    this.#timers.push(this.#clock.setTimer(every, intervalMs));
    this.#timers.push(this.#clock.setTimer(atMidnight, msUntilUtcMidnight(this.#clock.now())));
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => {
      this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
    });
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }
}

function msUntilUtcMidnight(nowMs: number): number {
  const next = new Date(nowMs);
  next.setUTCHours(24, 0, 0, 0);
  return next.getTime() - nowMs;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
