import { describe, expect, it } from "vitest";
import type { WatcherEvent } from "../../src/secrets/index.js";
import { DAY_MS, setup } from "./secrets-fixtures.js";

const HOUR_MS = 60 * 60 * 1000;

describe("RotationWatcher", () => {
  it("checks at start and then every interval on the injected clock", async () => {
    const { manager, clock } = setup();
    const events: WatcherEvent[] = [];
    const watcher = manager.startAutoRotation({ intervalHours: 6, onEvent: (e) => events.push(e) });
    await watcher.idle();
    expect(events.filter((e) => e.type === "checked")).toHaveLength(1);

    clock.advance(6 * HOUR_MS - 1);
    await watcher.idle();
    expect(events.filter((e) => e.type === "checked")).toHaveLength(1);
    clock.advance(1);
    await watcher.idle();
    clock.advance(6 * HOUR_MS);
    await watcher.idle();
    expect(events.filter((e) => e.type === "checked")).toHaveLength(3);

    await manager.stopAutoRotation();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(24 * HOUR_MS);
    expect(events.filter((e) => e.type === "checked")).toHaveLength(3);
  });

  it("rotates what is due and autoRotate, and reports what needs a person", async () => {
    const { manager, vault, clock } = setup();
    await vault.setCredential("auto_key", "a1");
    await vault.setCredential("manual_key", "m1");
    await vault.setCredential("later_key", "l1");
    await manager.registerSecret("auto_key", {
      rotationDays: 30,
      autoRotate: true,
      rotator: "generate",
    });
    await manager.registerSecret("manual_key", { rotationDays: 30 });
    await manager.registerSecret("later_key", { rotationDays: 35 });
    const rotatedBy: string[] = [];
    manager.onRotate((name) => {
      rotatedBy.push(name);
    });

    clock.advance(30 * DAY_MS);
    const events: WatcherEvent[] = [];
    const watcher = manager.startAutoRotation({
      intervalHours: 24,
      onEvent: (e) => events.push(e),
    });
    await watcher.idle();

    expect(events.map((e) => [e.type, "name" in e ? e.name : ""])).toEqual([
      ["rotated", "auto_key"],
      ["attention", "later_key"],
      ["attention", "manual_key"],
      ["checked", ""],
    ]);
    expect(events[1]).toMatchObject({ state: "soon", why: "notice", daysUntilRotation: 5 });
    expect(events[2]).toMatchObject({ state: "due", why: "not_auto" });
    expect(events[3]).toMatchObject({ due: 2, soon: 1, rotated: 1, failed: 0 });
    expect(await vault.getCredential("auto_key")).not.toBe("a1");
    expect(rotatedBy).toEqual(["auto_key"]);

    // A day later nothing is due for the rotated key.
    events.length = 0;
    clock.advance(DAY_MS);
    await watcher.idle();
    expect(events.some((e) => e.type === "rotated")).toBe(false);
    await manager.stopAutoRotation();
  });

  it("reports a failed unattended rotation and keeps watching", async () => {
    const { manager, vault, clock } = setup();
    await vault.setCredential("flaky", "f1");
    let fail = true;
    await manager.registerSecret("flaky", {
      rotationDays: 1,
      autoRotate: true,
      rotator: () => {
        if (fail) throw new Error("provider down");
        return "f2";
      },
    });
    const events: WatcherEvent[] = [];
    clock.advance(DAY_MS);
    const watcher = manager.startAutoRotation({ intervalHours: 1, onEvent: (e) => events.push(e) });
    await watcher.idle();
    expect(events[0]).toMatchObject({ type: "failed", name: "flaky", step: "rotator" });
    expect(await vault.getCredential("flaky")).toBe("f1");

    fail = false;
    clock.advance(HOUR_MS);
    await watcher.idle();
    expect(events.filter((e) => e.type === "rotated")).toHaveLength(1);
    expect(await vault.getCredential("flaky")).toBe("f2");
    await manager.stopAutoRotation();
  });

  it("only reports when rotation is disabled in config", async () => {
    const { manager, vault, clock } = setup({ secretsRotation: { enableRotation: false } });
    await vault.setCredential("k", "v");
    await manager.registerSecret("k", { rotationDays: 1, autoRotate: true, rotator: "generate" });
    clock.advance(DAY_MS);
    const events: WatcherEvent[] = [];
    const watcher = manager.startAutoRotation({ onEvent: (e) => events.push(e) });
    await watcher.idle();
    expect(events[0]).toMatchObject({ type: "attention", why: "rotation_disabled" });
    expect(await vault.getCredential("k")).toBe("v");
    await manager.stopAutoRotation();
  });

  it("rotates a secret once when two watchers on two vault handles race", async () => {
    const { manager, vault, clock, second } = setup();
    const other = second();
    await vault.setCredential("shared", "s1");
    let calls = 0;
    const slowRotator = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return `s-${calls}-${Math.random()}`;
    };
    await manager.registerSecret("shared", {
      rotationDays: 7,
      autoRotate: true,
      rotator: slowRotator,
    });
    await other.manager.registerSecret("shared", {
      rotationDays: 7,
      autoRotate: true,
      rotator: slowRotator,
    });
    clock.advance(7 * DAY_MS);

    const events: WatcherEvent[] = [];
    const a = manager.startAutoRotation({ intervalHours: 1, onEvent: (e) => events.push(e) });
    const b = other.manager.startAutoRotation({ intervalHours: 1, onEvent: (e) => events.push(e) });
    await Promise.all([a.idle(), b.idle()]);

    expect(calls).toBe(1);
    expect(events.filter((e) => e.type === "rotated")).toHaveLength(1);
    expect(events.filter((e) => e.type === "skipped").length).toBeLessThanOrEqual(1);
    expect((await manager.getRotationStatus("shared")).rotationCount).toBe(1);
    await Promise.all([manager.stopAutoRotation(), other.manager.stopAutoRotation()]);
  });

  it("refuses a second start and a bad interval", () => {
    const { manager } = setup();
    manager.startAutoRotation();
    expect(() => manager.startAutoRotation()).toThrow(/already running/);
    return manager.stopAutoRotation().then(() => {
      expect(() => manager.startAutoRotation({ intervalHours: 0 })).toThrow(/positive/);
    });
  });
});
