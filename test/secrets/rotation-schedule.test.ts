import { describe, expect, it } from "vitest";
import { computeSchedule } from "../../src/secrets/index.js";
import { DAY_MS, START_MS, setup } from "./secrets-fixtures.js";

const HOUR_MS = 60 * 60 * 1000;

describe("computeSchedule", () => {
  const setAt = new Date(START_MS).toISOString();

  it.each([
    // rotationDays, elapsed, state, daysUntilRotation
    [30, 0, "ok", 30],
    [30, 22 * DAY_MS, "ok", 8],
    [30, 23 * DAY_MS, "soon", 7],
    [30, 30 * DAY_MS - 1, "soon", 1],
    [30, 30 * DAY_MS, "due", 0],
    [30, 31 * DAY_MS + HOUR_MS, "due", -1],
    [90, 82 * DAY_MS, "ok", 8],
    [90, 83 * DAY_MS, "soon", 7],
    [90, 89 * DAY_MS + 23 * HOUR_MS, "soon", 1],
    [90, 90 * DAY_MS, "due", 0],
  ] as const)("%i-day policy after %i ms: %s", (rotationDays, elapsed, state, days) => {
    const schedule = computeSchedule({
      rotationDays,
      noticeDays: 7,
      valueSetAt: setAt,
      expires: null,
      nowMs: START_MS + elapsed,
    });
    expect(schedule.state).toBe(state);
    expect(schedule.daysUntilRotation).toBe(days);
    expect(schedule.reason).toBe(state === "ok" ? null : "schedule");
  });

  it.each([
    // expires in, elapsed, state, reason
    [10 * DAY_MS, 0, "ok", null],
    [10 * DAY_MS, 3 * DAY_MS, "soon", "expiring"],
    [10 * DAY_MS, 10 * DAY_MS, "due", "expired"],
    [100 * DAY_MS, 30 * DAY_MS, "due", "schedule"],
  ] as const)("an expiry in %i ms, after %i ms: %s (%s)", (expiresIn, elapsed, state, reason) => {
    const schedule = computeSchedule({
      rotationDays: 30,
      noticeDays: 7,
      valueSetAt: setAt,
      expires: new Date(START_MS + expiresIn).toISOString(),
      nowMs: START_MS + elapsed,
    });
    expect([schedule.state, schedule.reason]).toEqual([state, reason]);
  });

  it("makes a secret without a value due at once", () => {
    const schedule = computeSchedule({
      rotationDays: 30,
      noticeDays: 7,
      valueSetAt: undefined,
      expires: null,
      nowMs: START_MS,
    });
    expect(schedule).toMatchObject({ state: "due", reason: "no_value", daysUntilRotation: 0 });
  });
});

describe("checkDueRotations", () => {
  it("lists 30-day and 90-day secrets as they fall due, and soon ones on request", async () => {
    const { manager, vault, clock } = setup();
    await vault.setCredential("linkedin_session_token", "li-1");
    await vault.setCredential("openai_api_key", "sk-1");
    await manager.registerSecret("linkedin_session_token");
    await manager.registerSecret("openai_api_key");

    expect(await manager.checkDueRotations()).toEqual([]);
    clock.advance(24 * DAY_MS);
    expect(await manager.checkDueRotations()).toEqual([]);
    expect(await manager.checkDueRotations({ includeSoon: true })).toEqual([
      "linkedin_session_token",
    ]);
    clock.advance(6 * DAY_MS);
    expect(await manager.checkDueRotations()).toEqual(["linkedin_session_token"]);

    await manager.rotateSecret("linkedin_session_token", "li-2");
    expect(await manager.checkDueRotations()).toEqual([]);
    clock.advance(23 * DAY_MS); // day 53: the new token is 7 days from due
    expect(await manager.checkDueRotations({ includeSoon: true })).toEqual([
      "linkedin_session_token",
    ]);
    clock.advance(31 * DAY_MS); // day 84: the token is overdue, the API key due soon
    expect(await manager.checkDueRotations()).toEqual(["linkedin_session_token"]);
    expect(await manager.checkDueRotations({ includeSoon: true })).toEqual([
      "linkedin_session_token",
      "openai_api_key",
    ]);
    clock.advance(6 * DAY_MS); // day 90
    expect(await manager.checkDueRotations()).toEqual(["linkedin_session_token", "openai_api_key"]);
  });

  it("counts an expired credential as due and an expiring one as soon", async () => {
    const { manager, vault, clock } = setup({ secretsRotation: { notifyDaysBefore: 5 } });
    await vault.setCredential("session", "s1", { expires: new Date(START_MS + 8 * DAY_MS) });
    await manager.registerSecret("session", { rotationDays: 365 });

    clock.advance(2 * DAY_MS);
    expect(await manager.dueRotations({ includeSoon: true })).toEqual([]);
    clock.advance(2 * DAY_MS);
    expect(await manager.dueRotations({ includeSoon: true })).toMatchObject([
      { name: "session", state: "soon", reason: "expiring", daysUntilRotation: 4 },
    ]);
    clock.advance(4 * DAY_MS);
    expect(await manager.dueRotations()).toMatchObject([
      { name: "session", state: "due", reason: "expired", needsHuman: "not_auto" },
    ]);
  });

  it("reports an expiring credential that has no policy", async () => {
    const { manager, vault, clock } = setup();
    await vault.setCredential("cookie", "c", { expires: new Date(START_MS + DAY_MS) });
    await vault.setCredential("forever", "f");
    clock.advance(DAY_MS);
    expect(await manager.dueRotations()).toMatchObject([
      {
        name: "cookie",
        state: "due",
        reason: "expired",
        source: "expiry",
        needsHuman: "no_policy",
      },
    ]);
  });

  it("uses a per-secret notice window over the default", async () => {
    const { manager, vault, clock } = setup();
    await vault.setCredential("k", "v");
    await manager.registerSecret("k", { rotationDays: 30, notifyDaysBefore: 14 });
    clock.advance(16 * DAY_MS);
    expect(await manager.checkDueRotations({ includeSoon: true })).toEqual(["k"]);
    expect((await manager.getRotationStatus("k")).notifyDaysBefore).toBe(14);
  });
});

describe("notice window defaults", () => {
  it.each([
    [30, 7],
    [14, 7],
    [7, 3],
    [1, 0],
  ])("a %i-day secret gets %i days of notice by default", async (rotationDays, notice) => {
    const { manager } = setup();
    await manager.registerSecret("k", { rotationDays });
    expect((await manager.getRotationStatus("k")).notifyDaysBefore).toBe(notice);
  });
});
