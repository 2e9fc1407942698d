import { describe, expect, it } from "vitest";
import type { AccountMonitor } from "../../src/monitor/index.js";
import { busiestWindow } from "../../src/monitor/sliding-window.js";
import { activeTypes, HOUR, MINUTE, makeMonitor } from "./monitor-fixtures.js";

async function expectPace(monitor: AccountMonitor, rule: string, waitMs?: number) {
  const decision = await monitor.checkPace();
  expect(decision.rule).toBe(rule);
  expect(decision.allow).toBe(rule === "ok");
  if (waitMs !== undefined) expect(Math.abs(decision.waitMs - waitMs)).toBeLessThanOrEqual(1);
  return decision;
}

describe("pacing guard", () => {
  it("waits the minimum gap, then paces with the token bucket", async () => {
    // Defaults: paced limit floor(20 * 0.75) = 15 an hour, bucket of 3 refilled 12 an hour
    // (one token per 5 minutes), gap 45 s, jitter drawn as 0 here.
    const { monitor, clock } = makeMonitor();

    await expectPace(monitor, "ok", 0);
    await monitor.recordApplication("A", "Engineer");
    await expectPace(monitor, "min_gap", 45_000);

    clock.advance(45_000);
    await expectPace(monitor, "ok");
    await monitor.recordApplication("B", "Engineer");
    clock.advance(45_000);
    await expectPace(monitor, "ok");
    await monitor.recordApplication("C", "Engineer");

    // Three back to back emptied the bucket: 0.3 tokens left, 0.7 of 5 minutes to wait.
    await expectPace(monitor, "token_bucket", 210_000);
    clock.advance(210_000);
    await expectPace(monitor, "ok");
  });

  it("adds the jitter drawn when the last application was recorded", async () => {
    const { monitor } = makeMonitor({ random: () => 0.5 });
    await monitor.recordApplication("A", "Engineer");
    // 45 s + 0.5 * 30 s, the same on every ask (the jitter is stored with the application).
    await expectPace(monitor, "min_gap", 60_000);
    await expectPace(monitor, "min_gap", 60_000);
  });

  it("keeps a bot that obeys it under the burst threshold for hours", async () => {
    const { monitor, clock } = makeMonitor({ random: () => 0.999 });
    const applied: number[] = [];
    const end = clock.now() + 3 * HOUR; // 45 at most: under the daily cap of 50
    while (clock.now() < end) {
      const decision = await monitor.checkPace();
      if (decision.allow) {
        await monitor.recordApplication(`Company${applied.length}`, "Engineer");
        applied.push(clock.now());
      } else {
        expect(decision.stop).toBe(false);
        clock.advance(decision.waitMs);
      }
    }
    const peak = busiestWindow(applied, HOUR, Number.NEGATIVE_INFINITY);
    expect(peak?.count).toBeLessThanOrEqual(15);
    expect(applied.length).toBeGreaterThanOrEqual(3 * 12);
    expect(await activeTypes(monitor)).toEqual([]);
  });

  it("after a burst, waits until the hour has room again", async () => {
    const { monitor } = makeMonitor();
    for (let i = 0; i < 25; i++) await monitor.recordApplication(`Company${i}`, "Engineer");
    // 25 at once: room for the 16th of a paced hour only when 11 of them have left it.
    await expectPace(monitor, "hourly_rate", HOUR);
  });

  it("backs off 90 s, 3 min, 6 min after slow-down notices, then stops for the day", async () => {
    const { monitor, clock } = makeMonitor({ start: "2026-03-02T10:00:00Z" });
    const slowDown = "We noticed you're applying at a fast pace";

    for (const seconds of [90, 180, 360]) {
      await monitor.recordNotice(slowDown);
      await expectPace(monitor, "slow_down_backoff", seconds * 1000);
      clock.advance(seconds * 1000 - 1);
      await expectPace(monitor, "slow_down_backoff", 1);
      clock.advance(1);
      await expectPace(monitor, "ok");
    }

    await monitor.recordNotice(slowDown);
    const stop = await expectPace(monitor, "slow_down_stop");
    expect(stop.stop).toBe(true);
    expect(clock.now() + stop.waitMs).toBe(Date.parse("2026-03-03T00:00:00Z"));

    clock.set(Date.parse("2026-03-03T00:00:00Z"));
    await expectPace(monitor, "ok");
  });

  it("stops at the daily cap until local midnight", async () => {
    const { monitor, clock } = makeMonitor({
      start: "2026-03-02T20:00:00Z",
      accountMonitoring: {
        timeZone: "America/Los_Angeles",
        thresholds: { maxApplicationsPerDay: 3 },
      },
    });
    for (let i = 0; i < 3; i++) {
      await expectPace(monitor, "ok");
      await monitor.recordApplication(`Company${i}`, "Engineer");
      clock.advance(10 * MINUTE);
    }
    const stop = await expectPace(monitor, "daily_cap");
    expect(stop.stop).toBe(true);
    // Midnight in Los Angeles (PST, UTC-8) is 08:00 UTC.
    expect(clock.now() + stop.waitMs).toBe(Date.parse("2026-03-03T08:00:00Z"));
    clock.set(Date.parse("2026-03-03T08:00:00Z"));
    await expectPace(monitor, "ok");
  });

  it("stops for the day after the platform's daily-limit notice", async () => {
    const { monitor } = makeMonitor();
    await monitor.recordNotice("You've reached the Easy Apply application limit for today");
    const stop = await expectPace(monitor, "daily_limit_notice");
    expect(stop.stop).toBe(true);
  });

  it("stops while a critical anomaly is active and resumes when it clears", async () => {
    const { monitor, clock } = makeMonitor();
    await monitor.recordNotice("Your account has been temporarily restricted");
    const stop = await expectPace(monitor, "critical_anomaly", 300_000);
    expect(stop.stop).toBe(true);
    clock.advance(24 * HOUR);
    await expectPace(monitor, "ok");
  });

  it("is the same in a second process reading the same database", async () => {
    const first = makeMonitor();
    await first.monitor.recordApplication("A", "Engineer");
    const second = makeMonitor({ home: first.home, clock: first.clock });
    await expectPace(second.monitor, "min_gap", 45_000);
  });
});
