import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentSession } from "../../src/agent/session.js";
import { AuditLogger, queryEvents, verifyTrail } from "../../src/audit/index.js";
import { type Clock, ManualClock } from "../../src/clock.js";
import { parseConfig } from "../../src/config/index.js";
import { AccountMonitor } from "../../src/monitor/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { agentConfig, makeVaultHome } from "../agent/agent-fixtures.js";
import { makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";
import { setup } from "../secrets/secrets-fixtures.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.parse("2026-03-10T12:00:00.000Z");

/** Backwards and forwards, small and large, across day boundaries: the jumps a host clock makes. */
const JUMPS = [-2 * DAY, 3 * DAY, -HOUR, -30 * DAY, 45 * DAY, -5 * MINUTE, 10 * MINUTE];

describe("clock jumps: the audit trail", () => {
  it("keeps one verifiable chain, every event and seq order, whatever the clock does", async () => {
    const dir = join(makeTempDir(), "audit");
    const clock = new ManualClock(START);
    const keys = { sealKey: Buffer.alloc(32, 5) };
    const logger = new AuditLogger({
      logDirectory: dir,
      config: parseConfig({}),
      clock,
      keys,
      syslog: false,
    });
    const written: string[] = [];
    for (const [index, jump] of JUMPS.entries()) {
      for (let i = 0; i < 3; i++) {
        const record = await logger.logApiCall("jobs", `/jump-${index}/${i}`);
        written.push(record.timestamp);
      }
      clock.set(clock.now() + jump);
      await logger.seal("manual");
    }
    await logger.close();

    // As documented: timestamps record the clock as it was (so they go backwards), a writer
    // never returns to an older day file, and the chain (seq) alone orders the trail.
    expect([...written].sort()).not.toEqual(written);
    const report = await new AuditLogger({
      logDirectory: dir,
      config: parseConfig({}),
      keys,
      syslog: false,
    }).verify();
    expect(report.intact, JSON.stringify(report.firstBreak)).toBe(true);
    expect(report.warnings).toEqual([]);
    const events = await queryEvents(dir);
    expect(events.map((event) => event.timestamp)).toEqual(written);
    const seqs = events.map((event) => event.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    // An event stamped at most a day before the newest file is still found by its own day.
    const stamp = written[9] as string;
    const lateByAnHour = await queryEvents(dir, { from: stamp, to: stamp });
    expect(lateByAnHour.map((event) => event.details.endpoint)).toEqual([
      "/jump-3/0",
      "/jump-3/1",
      "/jump-3/2",
    ]);
    expect(verifyTrail(dir).intact).toBe(true);
  });
});

describe("clock jumps: the account monitor and its pacing guard", () => {
  it("never answers a negative or unbounded wait, and never stops for good", async () => {
    const clock = new ManualClock(START);
    const config = parseConfig({});
    const monitor = new AccountMonitor({
      home: join(makeTempDir(), ".vigil"),
      config,
      clock,
      env: {},
      random: () => 0.5,
    });
    const { minGapSeconds, jitterSeconds } = config.accountMonitoring.pacing;
    // The longest any non-stop rule may ask for: a full hour (the sliding window).
    const longestWaitMs = HOUR + (minGapSeconds + jitterSeconds) * 1000;
    let applied = 0;

    for (const jump of [...JUMPS, -365 * DAY, 400 * DAY]) {
      // Apply whenever the guard allows, waiting as told, for a simulated half hour.
      const until = clock.now() + 30 * MINUTE;
      while (clock.now() < until) {
        const pace = await monitor.checkPace();
        expect(pace.waitMs, JSON.stringify(pace)).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(pace.waitMs)).toBe(true);
        if (pace.stop) throw new Error(`stopped: ${pace.reason}`);
        if (pace.allow) {
          await monitor.recordApplication(`Company ${applied}`, "Engineer");
          applied += 1;
        } else {
          expect(pace.waitMs, JSON.stringify(pace)).toBeLessThanOrEqual(longestWaitMs);
          clock.advance(pace.waitMs);
        }
      }
      clock.set(clock.now() + jump);

      // Right after the jump: the answer is sane, and waiting as told leads to an application.
      const pace = await monitor.checkPace();
      expect(pace.waitMs, `after a jump of ${jump} ms`).toBeGreaterThanOrEqual(0);
      expect(pace.waitMs, `after a jump of ${jump} ms`).toBeLessThanOrEqual(longestWaitMs);
      expect(pace.stop).toBe(false);
      const summary = await monitor.getActivitySummary({ hours: 24 });
      expect(summary.hourly.length).toBe(24);
      expect(summary.applications.count).toBeGreaterThanOrEqual(0);
      const health = await monitor.getHealthStatus();
      expect(health.healthScore).toBeGreaterThanOrEqual(0);
      expect(health.healthScore).toBeLessThanOrEqual(100);
    }
    expect(applied).toBeGreaterThan(JUMPS.length);
    monitor.close();
  });
});

describe("clock jumps: secrets due dates", () => {
  it("keep their absolute date: a clock set back does not make a secret due, set forward does", async () => {
    const { manager, vault, clock } = setup();
    await vault.setCredential("api_key", "first-value");
    await manager.registerSecret("api_key", {
      rotationDays: 30,
      notifyDaysBefore: 7,
      rotator: "generate",
    });
    const before = await manager.getRotationStatus("api_key");
    expect(before.state).toBe("ok");

    clock.set(START - 60 * DAY);
    const back = await manager.getRotationStatus("api_key");
    expect(back.nextRotation).toBe(before.nextRotation);
    expect(back.state).toBe("ok");
    expect(await manager.checkDueRotations()).toEqual([]);

    clock.set(Date.parse(before.nextRotation) + HOUR);
    const forward = await manager.getRotationStatus("api_key");
    expect(forward.nextRotation).toBe(before.nextRotation);
    expect(forward.state).toBe("due");
    expect(await manager.checkDueRotations()).toEqual(["api_key"]);

    // Rotated at the jumped time, the next date counts from then; a jump back does not undo it.
    await manager.rotateSecret("api_key");
    const rotated = await manager.getRotationStatus("api_key");
    expect(rotated.state).toBe("ok");
    clock.set(START);
    expect((await manager.getRotationStatus("api_key")).state).toBe("ok");
    expect(await manager.checkDueRotations()).toEqual([]);
  });
});

/** A clock whose wall time the test sets, with real (monotonic) timers, like the system clock. */
class JumpingWallClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  setTimer(callback: () => void, delayMs: number) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  }
}

describe("clock jumps: the agent session", () => {
  async function makeSession(clock: Clock, idleTimeoutMs: number, maxSessionMs: number) {
    const config = agentConfig();
    const home = await makeVaultHome(config);
    return new AgentSession({
      open: async (masterPassword) => {
        const vault = new EncryptedVault({ home, config, masterPassword, create: false, env: {} });
        await vault.unlock();
        return vault;
      },
      clock,
      idleTimeoutMs,
      maxSessionMs,
    });
  }

  it("locks at once when the clock jumps past the idle timeout or the maximum age", async () => {
    const clock = new ManualClock(START);
    const idle = await makeSession(clock, 30 * MINUTE, DAY);
    await idle.unlock(TEST_PASSWORD);
    clock.set(START + 31 * MINUTE);
    expect(idle.locked).toBe(true);
    expect(idle.status().lockReason).toBe("idle");

    const aged = await makeSession(clock, 30 * MINUTE, DAY);
    await aged.unlock(TEST_PASSWORD);
    for (let minutes = 20; minutes < 24 * 60; minutes += 20) {
      clock.set(clock.now() + 20 * MINUTE);
      await aged.useVault(async () => undefined);
    }
    clock.set(clock.now() + 20 * MINUTE);
    expect(aged.locked).toBe(true);
    expect(aged.status().lockReason).toBe("max-age");
  });

  it("still locks on time when the wall clock jumps backwards (the timers do not follow it)", async () => {
    const clock = new JumpingWallClock();
    const session = await makeSession(clock, 150, DAY);
    await session.unlock(TEST_PASSWORD);
    clock.offsetMs = -DAY;
    await session.useVault(async () => undefined);
    expect(session.locked).toBe(false);
    expect(session.status().idleMsLeft).toBeGreaterThanOrEqual(0);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(session.locked).toBe(true);
    expect(session.status().lockReason).toBe("idle");
  });

  it("still ends at its maximum age when the wall clock jumps backwards", async () => {
    const clock = new JumpingWallClock();
    const session = await makeSession(clock, DAY, 200);
    await session.unlock(TEST_PASSWORD);
    clock.offsetMs = -DAY;
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await session.useVault(async () => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(session.locked).toBe(true);
    expect(session.status().lockReason).toBe("max-age");
  });
});
