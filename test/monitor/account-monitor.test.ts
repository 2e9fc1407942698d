import { statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { AccountMonitor } from "../../src/monitor/index.js";
import {
  activeTypes,
  applyMany,
  HOUR,
  MINUTE,
  makeMonitor,
  monitorConfig,
} from "./monitor-fixtures.js";

describe("AccountMonitor", () => {
  it("passes the design's Test 4: 25 applications in an hour are a burst", async () => {
    const { monitor } = makeMonitor();
    for (let i = 0; i < 25; i++) {
      await monitor.recordApplication(`Company${i}`, "Engineer");
    }

    const suspicious = await monitor.detectSuspiciousPatterns();

    expect(suspicious.length).toBeGreaterThan(0);
    expect(suspicious.some((anomaly) => anomaly.type === "burst_activity")).toBe(true);
    const burst = suspicious.find((anomaly) => anomaly.type === "burst_activity");
    expect(burst).toMatchObject({ severity: "high", evidence: { count: 25, limit: 20 } });
    expect(Date.parse(burst?.detectedAt ?? "")).not.toBeNaN();
  });

  it.each([
    { applications: 20, burst: false },
    { applications: 21, burst: true },
  ])("$applications applications in an hour: burst $burst", async ({ applications, burst }) => {
    const { monitor, clock } = makeMonitor();
    await applyMany(monitor, clock, applications, 2 * MINUTE);
    expect((await activeTypes(monitor)).includes("burst_activity")).toBe(burst);
  });

  it.each([
    { failures: 3, anomaly: false },
    { failures: 4, anomaly: true },
  ])("$failures failed logins in 24 h: anomaly $anomaly", async ({ failures, anomaly }) => {
    const { monitor, clock } = makeMonitor();
    for (let i = 0; i < failures; i++) {
      await monitor.recordLogin("jane", { success: false, ip: "203.0.113.9" });
      clock.advance(5 * HOUR);
    }
    expect((await activeTypes(monitor)).includes("failed_logins")).toBe(anomaly);
  });

  it("forgets failed logins older than 24 hours", async () => {
    const { monitor, clock } = makeMonitor();
    for (let i = 0; i < 4; i++) await monitor.recordLogin("jane", { success: false });
    expect(await activeTypes(monitor)).toContain("failed_logins");
    clock.advance(24 * HOUR);
    expect(await activeTypes(monitor)).not.toContain("failed_logins");
  });

  it.each([
    { errors: 5, spike: false },
    { errors: 6, spike: true },
  ])("$errors errors in an hour: spike $spike", async ({ errors, spike }) => {
    const { monitor, clock } = makeMonitor();
    for (let i = 0; i < errors; i++) {
      await monitor.recordError("selenium", "Stale element reference");
      clock.advance(10 * MINUTE);
    }
    clock.set(clock.now() - 10 * MINUTE);
    expect((await activeTypes(monitor)).includes("error_spike")).toBe(spike);
  });

  it.each([
    { applications: 49, limit: false },
    { applications: 50, limit: true },
  ])("$applications applications today: daily_limit $limit", async ({ applications, limit }) => {
    const { monitor, clock } = makeMonitor({ start: "2026-03-02T00:30:00Z" });
    await applyMany(monitor, clock, applications, 20 * MINUTE);
    expect((await activeTypes(monitor)).includes("daily_limit")).toBe(limit);
  });

  it("uses configured thresholds", async () => {
    const { monitor, clock } = makeMonitor({
      accountMonitoring: { thresholds: { maxApplicationsPerHour: 5 } },
    });
    await applyMany(monitor, clock, 5, MINUTE);
    expect(await activeTypes(monitor)).not.toContain("burst_activity");
    await monitor.recordApplication("Acme", "Engineer");
    expect(await activeTypes(monitor)).toContain("burst_activity");
  });

  it("skips a detector that is turned off", async () => {
    const { monitor } = makeMonitor({
      accountMonitoring: { detectAnomalies: { burstActivity: false } },
    });
    for (let i = 0; i < 25; i++) await monitor.recordApplication(`Company${i}`, "Engineer");
    expect(await activeTypes(monitor)).not.toContain("burst_activity");
  });

  describe("sliding window", () => {
    it("20 between 10:00 and 10:10 and 5 at 11:15 is no burst", async () => {
      const { monitor, clock } = makeMonitor({ start: "2026-03-02T10:00:00Z" });
      await applyMany(monitor, clock, 20, 30_000); // 10:00:00 .. 10:09:30
      clock.set(Date.parse("2026-03-02T11:15:00Z"));
      await applyMany(monitor, clock, 5, 0);
      expect(await activeTypes(monitor)).not.toContain("burst_activity");
    });

    it("20 between 10:00 and 10:30 and 5 at 10:45 is a burst", async () => {
      const { monitor, clock } = makeMonitor({ start: "2026-03-02T10:00:00Z" });
      await applyMany(monitor, clock, 20, 90_000); // 10:00 .. 10:28:30
      clock.set(Date.parse("2026-03-02T10:45:00Z"));
      await applyMany(monitor, clock, 5, 0);
      const burst = (await monitor.detectSuspiciousPatterns()).find(
        (a) => a.type === "burst_activity",
      );
      expect(burst?.evidence).toMatchObject({ count: 25 });
    });

    it("finds a burst in a window that does not end now", async () => {
      const { monitor, clock } = makeMonitor({ start: "2026-03-02T10:00:00Z" });
      await applyMany(monitor, clock, 21, MINUTE); // 10:00 .. 10:20
      clock.set(Date.parse("2026-03-02T11:10:00Z")); // the last hour holds only 10:10 .. 10:20
      expect(await activeTypes(monitor)).toContain("burst_activity");
      clock.set(Date.parse("2026-03-02T11:20:00Z")); // the burst's last application left the hour
      expect(await activeTypes(monitor)).not.toContain("burst_activity");
    });

    it("does not count applications exactly 60 minutes apart in one window", async () => {
      const { monitor, clock } = makeMonitor({ start: "2026-03-02T10:00:00Z" });
      await monitor.recordApplication("First", "Engineer");
      clock.set(Date.parse("2026-03-02T10:01:00Z"));
      await applyMany(monitor, clock, 19, 1000);
      clock.set(Date.parse("2026-03-02T11:00:00Z"));
      await monitor.recordApplication("Last", "Engineer");
      expect(await activeTypes(monitor)).not.toContain("burst_activity");
    });
  });

  describe("health", () => {
    it("falls with active anomalies and recovers when they clear", async () => {
      const { monitor, clock } = makeMonitor({ start: "2026-03-02T10:00:00Z" });
      expect(await monitor.getHealthStatus()).toMatchObject({
        healthScore: 100,
        status: "healthy",
        suspiciousPatterns: 0,
      });

      await applyMany(monitor, clock, 21, MINUTE);
      expect(await monitor.getHealthStatus()).toMatchObject({ healthScore: 70, status: "warning" });

      await monitor.recordApiCall("linkedin", { statusCode: 429, endpoint: "/voyager/api/jobs" });
      const both = await monitor.getHealthStatus();
      expect(both).toMatchObject({ healthScore: 40, status: "critical", suspiciousPatterns: 2 });

      // Checking again does not lower it further: the score has no memory.
      expect((await monitor.getHealthStatus()).healthScore).toBe(40);

      clock.advance(61 * MINUTE);
      expect(await monitor.getHealthStatus()).toMatchObject({
        healthScore: 100,
        status: "healthy",
      });
    });

    it("is critical while the platform reports a restriction", async () => {
      const { monitor } = makeMonitor();
      await monitor.recordNotice("Your account has been temporarily restricted");
      const health = await monitor.getHealthStatus();
      expect(health.status).toBe("critical");
      expect(health.anomalies[0]).toMatchObject({ type: "rate_limited", severity: "critical" });
    });
  });

  describe("alerts", () => {
    it("fires once when an anomaly starts and writes it to the audit trail", async () => {
      const { monitor, clock, sink } = makeMonitor();
      const alerts: string[] = [];
      monitor.onAnomaly((anomaly, alert) => alerts.push(`${anomaly.type}:${alert.repeat}`));

      await applyMany(monitor, clock, 30, 10_000);
      await monitor.detectSuspiciousPatterns();
      await monitor.getHealthStatus();

      expect(alerts).toEqual(["burst_activity:false"]);
      expect(sink.events).toHaveLength(1);
      expect(sink.events[0]).toMatchObject({
        eventType: "suspicious_activity",
        severity: "high",
        details: { anomalyType: "burst_activity", repeat: false },
      });
    });

    it("fires again after alertRepeatMinutes while active, and after it cleared", async () => {
      const { monitor, clock } = makeMonitor({ accountMonitoring: { alertRepeatMinutes: 30 } });
      const alerts: string[] = [];
      monitor.onAnomaly((anomaly, alert) => alerts.push(`${anomaly.type}:${alert.repeat}`));

      for (let i = 0; i < 6; i++) await monitor.recordError("http", "boom");
      clock.advance(29 * MINUTE);
      await monitor.detectSuspiciousPatterns();
      clock.advance(MINUTE);
      await monitor.detectSuspiciousPatterns();
      expect(alerts).toEqual(["error_spike:false", "error_spike:true"]);

      clock.advance(2 * HOUR);
      expect(await activeTypes(monitor)).toEqual([]);
      for (let i = 0; i < 6; i++) await monitor.recordError("http", "boom");
      expect(alerts).toEqual(["error_spike:false", "error_spike:true", "error_spike:false"]);
    });

    it("does not re-alert after a restart for an anomaly still active", async () => {
      const first = makeMonitor();
      const alerts: string[] = [];
      first.monitor.onAnomaly((anomaly) => alerts.push(anomaly.type));
      for (let i = 0; i < 4; i++) await first.monitor.recordLogin("jane", { success: false });
      const startedAt = (await first.monitor.detectSuspiciousPatterns())[0]?.detectedAt;
      first.monitor.close();

      first.clock.advance(10 * MINUTE);
      const second = makeMonitor({ home: first.home, clock: first.clock });
      second.monitor.onAnomaly((anomaly) => alerts.push(anomaly.type));
      const again = await second.monitor.detectSuspiciousPatterns();

      expect(alerts).toEqual(["failed_logins"]);
      expect(again[0]?.detectedAt).toBe(startedAt);
    });

    it("reports a throwing listener after recording the event", async () => {
      const { monitor } = makeMonitor();
      monitor.onAnomaly(() => {
        throw new Error("listener bug");
      });
      for (let i = 0; i < 3; i++) await monitor.recordLogin("jane", { success: false });
      await expect(monitor.recordLogin("jane", { success: false })).rejects.toMatchObject({
        code: "E_MONITOR",
      });
      expect((await monitor.getActivitySummary()).logins.failed).toBe(4);
    });

    it("stops calling a listener that was removed", async () => {
      const { monitor } = makeMonitor();
      let calls = 0;
      const off = monitor.onAnomaly(() => calls++);
      off();
      for (let i = 0; i < 4; i++) await monitor.recordLogin("jane", { success: false });
      expect(calls).toBe(0);
    });
  });

  describe("storage", () => {
    it("keeps data across restarts in a 0600 file inside a 0700 home", async () => {
      const first = makeMonitor();
      await first.monitor.recordLogin("jane", { success: true, ip: "198.51.100.4" });
      await first.monitor.recordApplication("Acme", "Engineer", { jobId: "3812345678" });
      first.monitor.close();

      const second = makeMonitor({ home: first.home, clock: first.clock });
      const summary = await second.monitor.getActivitySummary({ hours: 1 });
      expect(summary.logins.count).toBe(1);
      expect(summary.applications.count).toBe(1);
      expect(second.monitor.path).toBe(join(first.home, "monitor.sqlite"));
      expect(statSync(second.monitor.path).mode & 0o777).toBe(0o600);
      expect(statSync(first.home).mode & 0o777).toBe(0o700);
      const db = new Database(second.monitor.path, { readonly: true });
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      db.close();
    });

    it("prunes events older than retentionDays", async () => {
      const first = makeMonitor({ accountMonitoring: { retentionDays: 7 } });
      await first.monitor.recordApplication("Old", "Engineer");
      first.clock.advance(8 * 24 * HOUR);
      await first.monitor.recordApplication("New", "Engineer");
      first.monitor.close();

      const db = new Database(first.monitor.path, { readonly: true });
      const companies = db.prepare("SELECT subject FROM events").pluck().all();
      db.close();
      expect(companies).toEqual(["New"]);
    });

    it("stores error messages cut short and without obvious secrets", async () => {
      const { monitor } = makeMonitor();
      const token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
      await monitor.recordError(
        "http",
        `GET https://bot:hunter2@api.example.com/jobs?api_key=S3cr3tValue failed; Authorization: Bearer ${token} ${"x ".repeat(400)}`,
      );
      monitor.close();
      const db = new Database(monitor.path, { readonly: true });
      const stored = db.prepare("SELECT detail FROM events").pluck().get() as string;
      db.close();
      expect(stored.length).toBeLessThanOrEqual(300);
      expect(stored).not.toContain("hunter2");
      expect(stored).not.toContain("S3cr3tValue");
      expect(stored).not.toContain(token);
    });

    it("refuses a database readable by others", async () => {
      const { monitor, home } = makeMonitor();
      await monitor.recordLogout("jane");
      monitor.close();
      const { chmodSync } = await import("node:fs");
      chmodSync(join(home, "monitor.sqlite"), 0o644);
      const again = makeMonitor({ home });
      await expect(again.monitor.recordLogout("jane")).rejects.toMatchObject({
        code: "E_INSECURE_PERMISSIONS",
      });
    });

    it("refuses a database from a newer vigil and one that is not SQLite", async () => {
      const first = makeMonitor();
      await first.monitor.recordLogout("jane");
      first.monitor.close();
      const db = new Database(first.monitor.path);
      db.pragma("user_version = 99");
      db.close();
      const newer = makeMonitor({ home: first.home });
      await expect(newer.monitor.recordLogout("jane")).rejects.toMatchObject({
        code: "E_UNSUPPORTED_FORMAT",
      });

      const other = makeMonitor();
      const { mkdirSync, writeFileSync } = await import("node:fs");
      mkdirSync(other.home, { mode: 0o700 });
      writeFileSync(other.monitor.path, "this is not a database, just some text".repeat(200), {
        mode: 0o600,
      });
      await expect(other.monitor.recordLogout("jane")).rejects.toMatchObject({ code: "E_MONITOR" });
    });

    it("records nothing when monitoring is turned off", async () => {
      const { monitor } = makeMonitor({ accountMonitoring: { enableMonitoring: false } });
      const recorded = await monitor.recordApplication("Acme", "Engineer");
      expect(recorded.id).toBeNull();
      expect(await monitor.detectSuspiciousPatterns()).toEqual([]);
    });
  });

  describe("summary", () => {
    it("counts by kind and per hour", async () => {
      const { monitor, clock } = makeMonitor({ start: "2026-03-02T08:00:00Z" });
      await monitor.recordLogin("jane", { success: true });
      await monitor.recordLogin("jane", { success: false });
      await monitor.recordApplication("A", "Engineer");
      await monitor.recordApplication("B", "Engineer", { success: false });
      clock.advance(90 * MINUTE);
      await monitor.recordError("selenium", "Stale element reference");
      await monitor.recordApiCall("linkedin", { statusCode: 429 });
      await monitor.recordApiCall("openai", { statusCode: 200 });
      await monitor.recordNotice("You've reached today's Easy Apply limit");
      await monitor.recordLogout("jane");
      clock.advance(MINUTE);

      const summary = await monitor.getActivitySummary({ hours: 3 });

      expect(summary.applications).toEqual({ count: 2, successful: 1, failed: 1 });
      expect(summary.logins).toEqual({ count: 2, successful: 1, failed: 1 });
      expect(summary.logouts).toEqual({ count: 1 });
      expect(summary.errors).toEqual({ count: 1, byType: { selenium: 1 } });
      expect(summary.apiCalls).toEqual({ count: 2, rateLimited: 1 });
      expect(summary.notices).toEqual({ count: 1, byKind: { daily_limit: 1 } });
      expect(
        summary.hourly.map((hour) => [hour.applications, hour.logins, hour.errors, hour.apiCalls]),
      ).toEqual([
        [0, 0, 0, 0],
        [2, 2, 0, 0],
        [0, 0, 1, 2],
      ]);
    });

    it("rejects a bad hours value", async () => {
      const { monitor } = makeMonitor();
      await expect(monitor.getActivitySummary({ hours: 0 })).rejects.toMatchObject({
        code: "E_INVALID_ARGUMENT",
      });
    });
  });

  it("validates its input", async () => {
    const { monitor } = makeMonitor();
    await expect(monitor.recordApplication("", "Engineer")).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
    });
    await expect(
      monitor.recordLogin("jane", { success: true, ip: "not-an-ip" }),
    ).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
    });
    await expect(monitor.recordApiCall("x", { statusCode: 99 })).rejects.toMatchObject({
      code: "E_INVALID_ARGUMENT",
    });
  });

  it("refuses an unknown time zone at construction", () => {
    expect(
      () => new AccountMonitor({ config: monitorConfig({ timeZone: "Mars/Olympus" }) }),
    ).toThrow(/IANA/);
  });

  it("refuses to work after close", async () => {
    const { monitor } = makeMonitor();
    monitor.close();
    await expect(monitor.recordLogout("jane")).rejects.toMatchObject({ code: "E_MONITOR" });
  });
});
