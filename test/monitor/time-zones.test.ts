import { describe, expect, it } from "vitest";
import { startOfNextZonedDay, startOfZonedDay, zonedHour } from "../../src/monitor/zoned-time.js";
import { activeTypes, applyMany, HOUR, MINUTE, makeMonitor } from "./monitor-fixtures.js";

describe("time zones", () => {
  it.each([
    // 07:30 UTC is 02:30 in New York (EST, UTC-5): unusual there, ordinary in UTC.
    { zone: "America/New_York", at: "2026-01-15T07:30:00Z", unusual: true },
    { zone: "UTC", at: "2026-01-15T07:30:00Z", unusual: false },
    // 03:00 UTC is 22:00 the evening before in New York.
    { zone: "America/New_York", at: "2026-01-15T03:00:00Z", unusual: false },
    { zone: "UTC", at: "2026-01-15T03:00:00Z", unusual: true },
    // Boundaries: 00:00 is unusual, 05:00 is not (the range is [0, 5)).
    { zone: "Asia/Tokyo", at: "2026-01-14T15:00:00Z", unusual: true },
    { zone: "Asia/Tokyo", at: "2026-01-14T19:59:59Z", unusual: true },
    { zone: "Asia/Tokyo", at: "2026-01-14T20:00:00Z", unusual: false },
  ])("an application at $at is unusual in $zone: $unusual", async ({ zone, at, unusual }) => {
    const { monitor } = makeMonitor({ start: at, accountMonitoring: { timeZone: zone } });
    await monitor.recordApplication("Acme", "Engineer");
    expect((await activeTypes(monitor)).includes("unusual_hours")).toBe(unusual);
  });

  it("clears unusual hours after the window and follows configured hours", async () => {
    const { monitor, clock } = makeMonitor({
      start: "2026-01-15T23:10:00Z",
      accountMonitoring: { thresholds: { unusualHoursStart: 23, unusualHoursEnd: 6 } },
    });
    await monitor.recordLogin("jane", { success: true });
    const [found] = await monitor.detectSuspiciousPatterns();
    expect(found).toMatchObject({ type: "unusual_hours", evidence: { localTime: "23:10" } });
    clock.advance(HOUR);
    expect(await activeTypes(monitor)).not.toContain("unusual_hours");
  });

  it("counts the daily cap from local midnight, not UTC midnight", async () => {
    // 2026-01-15 04:00 UTC is 23:00 on the 14th in New York.
    const { monitor, clock } = makeMonitor({
      start: "2026-01-15T04:00:00Z",
      accountMonitoring: {
        timeZone: "America/New_York",
        thresholds: { maxApplicationsPerDay: 3, maxApplicationsPerHour: 100 },
      },
    });
    await applyMany(monitor, clock, 3, MINUTE);
    expect(await activeTypes(monitor)).toContain("daily_limit");
    // 05:00 UTC is midnight in New York: a new day, the cap resets.
    clock.set(Date.parse("2026-01-15T05:00:00Z"));
    expect(await activeTypes(monitor)).not.toContain("daily_limit");
    // In UTC the same three applications were all "today" and still would be.
    const utc = makeMonitor({
      start: "2026-01-15T04:00:00Z",
      accountMonitoring: { thresholds: { maxApplicationsPerDay: 3, maxApplicationsPerHour: 100 } },
    });
    await applyMany(utc.monitor, utc.clock, 3, MINUTE);
    utc.clock.set(Date.parse("2026-01-15T05:00:00Z"));
    expect(await activeTypes(utc.monitor)).toContain("daily_limit");
  });

  it("finds local midnight across a DST change", () => {
    // 2026-03-08 is the US spring-forward day: 23 hours long in New York.
    const noon = Date.parse("2026-03-08T16:00:00Z");
    expect(new Date(startOfZonedDay(noon, "America/New_York")).toISOString()).toBe(
      "2026-03-08T05:00:00.000Z",
    );
    expect(new Date(startOfNextZonedDay(noon, "America/New_York")).toISOString()).toBe(
      "2026-03-09T04:00:00.000Z",
    );
    expect(zonedHour(Date.parse("2026-03-08T07:30:00Z"), "America/New_York")).toBe(3);
    expect(new Date(startOfZonedDay(noon, "Asia/Kolkata")).toISOString()).toBe(
      "2026-03-07T18:30:00.000Z",
    );
  });
});
