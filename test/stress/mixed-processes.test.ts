import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { queryEvents, resolveAuditKeys, verifyTrail } from "../../src/audit/index.js";
import { parseConfig } from "../../src/config/index.js";
import { AccountMonitor } from "../../src/monitor/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { scaled } from "../helpers/stress-scale.js";
import { makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";
import { testConfig } from "../helpers/vault-fixtures.js";
import { runStressChild } from "./fixtures/spawn-child.js";

const PROCESSES = 4;
const ROUNDS = scaled(25, 250);

describe("several processes writing vault, audit and monitor at once", () => {
  it(
    `keeps all ${PROCESSES} x ${ROUNDS} rounds of vault writes, audit events and applications`,
    async () => {
      const home = join(makeTempDir(), ".vigil");
      const sealKey = randomBytes(32);
      const creator = new EncryptedVault({
        home,
        masterPassword: TEST_PASSWORD,
        config: testConfig(),
        env: {},
      });
      await creator.setCredential("seed", "first");
      creator.close();
      const prefixes = Array.from({ length: PROCESSES }, (_, index) => `p${index}`);
      // Every child unlocks first, then all start at one instant.
      const startAt = String(Date.now() + 1_500);
      const startedAt = Date.now();

      // `vigil audit verify` may run while bots write: poll it the whole time.
      const dir = join(home, "audit");
      const keys = await resolveAuditKeys({ sealKey }, dir);
      let running = true;
      let verifiesWhileWriting = 0;
      const midRunBreaks: string[] = [];
      const poller = (async () => {
        while (running) {
          await new Promise((resolve) => setTimeout(resolve, 40));
          const midRun = verifyTrail(dir, { keys });
          verifiesWhileWriting += 1;
          if (!midRun.intact) midRunBreaks.push(JSON.stringify(midRun.firstBreak));
        }
      })();

      const results = await Promise.all(
        prefixes.map((prefix) =>
          runStressChild("mixed-writer.mjs", [home, prefix, String(ROUNDS), startAt], {
            env: { VAULT_MASTER_PASSWORD: TEST_PASSWORD, AUDIT_SEAL_KEY: sealKey.toString("hex") },
            timeoutMs: scaled(60_000, 540_000),
          }),
        ),
      );
      const elapsedMs = Date.now() - startedAt;
      running = false;
      await poller;
      expect(midRunBreaks).toEqual([]);
      for (const result of results) {
        expect(result.stderr).toBe("");
        expect(result.stdout).toBe("done\n");
      }

      // Vault: every write of every process, with its value.
      const vault = new EncryptedVault({
        home,
        masterPassword: TEST_PASSWORD,
        config: testConfig(),
        env: {},
        create: false,
      });
      const stored = await vault.listCredentials();
      expect(Object.keys(stored).length).toBe(PROCESSES * ROUNDS + 1);
      for (const prefix of prefixes) {
        for (let i = 0; i < ROUNDS; i++) {
          expect(await vault.getCredential(`${prefix}-${i}`)).toBe(
            `${prefix}:${i}:${"x".repeat(i % 41)}`,
          );
        }
      }
      vault.close();

      // Audit: one unbroken, sealed chain holding every event of every process.
      const report = verifyTrail(dir, { keys });
      expect(report.intact, JSON.stringify(report.firstBreak)).toBe(true);
      expect(report.warnings).toEqual([]);
      const events = await queryEvents(dir);
      for (const prefix of prefixes) {
        const mine = events.filter((event) => event.username === prefix);
        const calls = mine.filter((event) => event.event_type === "api_call");
        const writes = mine.filter((event) => event.event_type === "credential_modify");
        expect(calls.map((event) => event.details.endpoint).sort()).toEqual(
          Array.from({ length: ROUNDS }, (_, i) => `/apply/${prefix}/${i}`).sort(),
        );
        expect(writes.length).toBe(ROUNDS);
      }
      // The monitor's alert state is shared: each anomaly alerted once between all processes.
      const firstAlerts = events.filter(
        (event) => event.event_type === "suspicious_activity" && event.details.repeat === false,
      );
      const types = firstAlerts.map((event) => String(event.details.anomalyType));
      expect(new Set(types).size).toBe(types.length);
      expect(types).toContain("burst_activity");

      // Monitor: the exact count of applications, each company once.
      const monitor = new AccountMonitor({ home, config: parseConfig({}), env: {} });
      const summary = await monitor.getActivitySummary({ hours: 24 });
      expect(summary.applications.count).toBe(PROCESSES * ROUNDS);
      expect(summary.applications.successful).toBe(PROCESSES * ROUNDS);
      monitor.close();

      console.info(
        `mixed stress: ${PROCESSES} processes x ${ROUNDS} rounds (vault + audit + monitor) in ` +
          `${(elapsedMs / 1000).toFixed(1)} s; ${report.lines} audit lines, ${report.seals} seals, ` +
          `${verifiesWhileWriting} verifies while writing`,
      );
    },
    scaled(120_000, 600_000),
  );
});
