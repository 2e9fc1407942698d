import { randomBytes } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLogger, queryEvents, resolveAuditKeys, verifyTrail } from "../../src/audit/index.js";
import { ManualClock } from "../../src/clock.js";
import { parseConfig } from "../../src/config/index.js";
import { scaled } from "../helpers/stress-scale.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { randomKillPlan, runStressChild } from "./fixtures/spawn-child.js";

const KILLS_PER_MODE = scaled(20, 250);

/*
 * What "nothing acknowledged lost" means for the audit trail (docs/audit-format.md): log()
 * resolves only after its batch is written and fsynced, in both durability modes, and head.json
 * is rewritten after that. So after a SIGKILL at any moment:
 * - every acknowledged event is in the trail and found by getEvents;
 * - verify, with the key, passes over the whole trail: no break at all. It may warn of two
 *   things a crash leaves behind, neither of which was acknowledged: complete lines past the head
 *   (killed between the fsync and the head rewrite: MACed, adopted by the next writer) and an
 *   incomplete last line of the newest file (the unfinished write of a batch: never returned by
 *   queries, cut off by the next writer). A cut inside what the head vouches for stays a break.
 */
const CRASH_WARNINGS = /follow the recorded head|incomplete line past the head/;

describe.each(["fsync", "batched"] as const)("SIGKILL during audit appends (%s)", (durability) => {
  it(
    `keeps every acknowledged event and a verifiable chain through ${KILLS_PER_MODE} kills`,
    async () => {
      const dir = join(makeTempDir(), "audit");
      const sealKey = randomBytes(32);
      const keys = await resolveAuditKeys({ sealKey }, dir);
      const acked = new Set<string>();
      const startedAt = Date.now();
      let tornTails = 0;
      let laggingHeads = 0;

      for (let round = 0; round < KILLS_PER_MODE; round++) {
        const plan = randomKillPlan(30, 4);
        let acks = 0;
        let armed = false;
        const result = await runStressChild("audit-writer.mjs", [dir, durability, `r${round}`], {
          env: { AUDIT_SEAL_KEY: sealKey.toString("hex") },
          onLine: (line, kill) => {
            const ack = /^ack (\S+ \d+)$/.exec(line);
            if (ack?.[1] !== undefined) {
              acked.add(ack[1]);
              acks += 1;
            }
            if ((line === "ready" || ack) && !armed && acks >= plan.afterAcks) {
              armed = true;
              setTimeout(kill, plan.delayMs);
            }
          },
        });
        const context = `${durability} round ${round}`;
        expect(result.signal, `${context}: ${result.stderr}`).toBe("SIGKILL");

        const report = verifyTrail(dir, { keys });
        expect(report.intact, `${context}: ${JSON.stringify(report.firstBreak)}`).toBe(true);
        expect(report.keyChecked).toBe(true);
        for (const warning of report.warnings) {
          expect(warning, context).toMatch(CRASH_WARNINGS);
          if (warning.includes("incomplete")) tornTails += 1;
          else laggingHeads += 1;
        }
        const found = new Set((await queryEvents(dir)).map((event) => event.description));
        for (const description of acked)
          expect(found.has(description), `${context}: ${description}`).toBe(true);
      }

      // The next writer that closes cleanly adopts or cuts what the last kill left: no warning.
      const survivor = new AuditLogger({
        logDirectory: dir,
        config: parseConfig({}),
        keys: { sealKey },
        syslog: false,
      });
      await survivor.logLogout("after-the-storm");
      await survivor.close();
      const final = verifyTrail(dir, { keys });
      expect(final.intact).toBe(true);
      expect(final.warnings).toEqual([]);
      expect((await queryEvents(dir)).length).toBeGreaterThanOrEqual(acked.size + 1);
      expect(acked.size).toBeGreaterThan(KILLS_PER_MODE);
      console.info(
        `audit SIGKILL stress (${durability}): ${KILLS_PER_MODE} kills, ${acked.size} acknowledged ` +
          `events kept, ${final.lines} lines, ${final.seals} seals, ${tornTails} torn tails, ` +
          `${laggingHeads} lagging heads, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
      );
    },
    scaled(120_000, 900_000),
  );
});

describe("the crash states a SIGKILL can leave, made on purpose", () => {
  const keys = { sealKey: Buffer.alloc(32, 1) };
  const makeLogger = (dir: string, clock: ManualClock) =>
    new AuditLogger({ logDirectory: dir, config: parseConfig({}), clock, keys, syslog: false });

  it("a torn last line past the head: verify warns, queries skip it, the next writer cuts it", async () => {
    const dir = join(makeTempDir(), "audit");
    const clock = new ManualClock(Date.parse("2026-03-01T10:00:00.000Z"));
    const first = makeLogger(dir, clock);
    await first.logLogout("one");
    await first.flush();
    appendFileSync(join(dir, "2026-03-01.jsonl"), '{"timestamp":"2026-03-01T10:00:00.000Z","ev');

    const torn = verifyTrail(dir, { keys: await resolveAuditKeys(keys, dir) });
    expect(torn.intact).toBe(true);
    expect(torn.warnings).toEqual([expect.stringMatching(/incomplete line past the head/)]);
    expect((await queryEvents(dir)).map((event) => event.username)).toEqual(["one"]);

    const next = makeLogger(dir, clock);
    await next.logLogout("two");
    await next.close();
    const after = verifyTrail(dir, { keys: await resolveAuditKeys(keys, dir) });
    expect(after.intact).toBe(true);
    expect(after.warnings).toEqual([]);
    expect((await queryEvents(dir)).map((event) => event.username)).toEqual(["one", "two"]);
  });

  it("killed after opening the next day's file but before the head named it: the chain goes on", async () => {
    const dir = join(makeTempDir(), "audit");
    const clock = new ManualClock(Date.parse("2026-03-01T23:59:00.000Z"));
    const first = makeLogger(dir, clock);
    await first.logLogout("one");
    await first.flush();
    const headBefore = readFileSync(join(dir, "head.json"));
    clock.set(Date.parse("2026-03-02T00:01:00.000Z"));
    await first.logLogout("two");
    await first.flush();
    // What the disk holds when the kill lands between the fsync and the head rewrite.
    writeFileSync(join(dir, "head.json"), headBefore);

    const next = makeLogger(dir, clock);
    await next.logLogout("three");
    await next.close();
    const report = verifyTrail(dir, { keys: await resolveAuditKeys(keys, dir) });
    expect(report.intact, JSON.stringify(report.firstBreak)).toBe(true);
    expect(report.warnings).toEqual([]);
    expect((await queryEvents(dir)).map((event) => event.username)).toEqual([
      "one",
      "two",
      "three",
    ]);
  });
});
