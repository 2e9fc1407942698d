import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAuditKeys, verifyTrail } from "../../src/audit/index.js";
import { makeTempDir } from "../helpers/temp-home.js";
import { runStressChild } from "./fixtures/spawn-child.js";

describe.each(["batched", "fsync"] as const)(
  "an audit logger under a steady stream (%s)",
  (mode) => {
    it("returns from flush, seal and queries and lets timers run while tasks keep logging", async () => {
      const dir = join(makeTempDir(), "audit");
      // Run in a child: a logger that starves the event loop would also starve this test's timeout.
      const result = await runStressChild("audit-under-load.mjs", [dir, mode], {
        timeoutMs: 20_000,
      });
      expect(result.signal, `hung after: ${JSON.stringify(result.stdout)}`).toBeNull();
      expect(result.stderr).toBe("");
      expect(result.stdout).toMatch(/^flushed\ntimer\nsealed\nqueried\ndone \d+\n$/);
      const report = verifyTrail(dir, {
        keys: await resolveAuditKeys({ sealKey: Buffer.alloc(32, 4) }, dir),
      });
      expect(report.intact, JSON.stringify(report.firstBreak)).toBe(true);
      expect(report.seals).toBeGreaterThanOrEqual(2);
    });
  },
);
