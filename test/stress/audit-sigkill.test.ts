import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLogger, queryEvents, resolveAuditKeys, verifyTrail } from "../../src/audit/index.js";
import { parseConfig } from "../../src/config/index.js";
import { scaled } from "../helpers/stress-scale.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { randomKillPlan, runStressChild } from "./fixtures/spawn-child.js";

const KILLS_PER_MODE = scaled(20, 500);

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
