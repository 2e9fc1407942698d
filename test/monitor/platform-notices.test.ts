import { describe, expect, it } from "vitest";
import { classifyNotice } from "../../src/monitor/index.js";
import { activeTypes, makeMonitor } from "./monitor-fixtures.js";

describe("platform notices", () => {
  it.each([
    // LinkedIn's Easy Apply daily cap, in the wordings users and bot projects quote.
    ["You've reached today's Easy Apply limit", "daily_limit"],
    ["You reached today’s Easy Apply limit. Please try again tomorrow.", "daily_limit"],
    ["You've reached the Easy Apply application limit for today", "daily_limit"],
    ["LinkedIn's daily Easy Apply limit has been reached", "daily_limit"],
    // The pace pause.
    ["We noticed you're applying at a fast pace", "slow_down"],
    ["We noticed you’re applying to jobs at a fast pace. Take a short break.", "slow_down"],
    ["You're applying too fast", "slow_down"],
    ["Too many requests, please slow down", "slow_down"],
    // Restrictions and challenges.
    ["Your account has been temporarily restricted", "restriction"],
    ["We've noticed some unusual activity on your account", "restriction"],
    ["Let's do a quick security check", "restriction"],
    // Anything else is kept as information.
    ["Your application was sent to Acme", "info"],
    ["This job is no longer accepting applications", "info"],
    ["Applications for this role are restricted to candidates in the US", "info"],
  ])("%s -> %s", (text, kind) => {
    expect(classifyNotice(text).kind).toBe(kind);
  });

  it("turns a slow-down notice into rate_limited and a limit notice into daily_limit", async () => {
    const { monitor } = makeMonitor();
    expect(
      (await monitor.recordNotice("We noticed you're applying at a fast pace")).noticeKind,
    ).toBe("slow_down");
    await monitor.recordNotice("You've reached today's Easy Apply limit");
    await monitor.recordNotice("Your application was sent to Acme");
    expect(await activeTypes(monitor)).toEqual(["daily_limit", "rate_limited"]);
    expect((await monitor.getActivitySummary()).notices.byKind).toEqual({
      slow_down: 1,
      daily_limit: 1,
      info: 1,
    });
  });
});
