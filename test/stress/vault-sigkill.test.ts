import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EncryptedVault } from "../../src/vault/index.js";
import { scaled } from "../helpers/stress-scale.js";
import { makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";
import { testConfig } from "../helpers/vault-fixtures.js";
import { randomKillPlan, runStressChild } from "./fixtures/spawn-child.js";

/** Two lanes of writers run side by side on the one vault, each killed over and over. */
const LANES = 2;
const KILLS = scaled(40, 500);
/*
 * At full scale, four vaults of 500 kills each (2,000 in all): on one vault the file would grow
 * past a megabyte of acknowledged writes, and every round would re-encrypt and re-read all of it.
 */
const VAULTS = scaled(1, 4);

function openVault(home: string): EncryptedVault {
  return new EncryptedVault({
    home,
    masterPassword: TEST_PASSWORD,
    config: testConfig(),
    env: {},
    create: false,
  });
}

describe("SIGKILL during vault writes, over and over", () => {
  it.each(Array.from({ length: VAULTS }, (_, index) => index + 1))(
    `keeps every acknowledged write through ${KILLS} kills of writers on one vault (%i of ${VAULTS})`,
    async () => {
      const home = join(makeTempDir(), ".vigil");
      // Created first, so both lanes start on an existing vault (creation races have their own
      // test in test/vault/multi-process.test.ts).
      const creator = new EncryptedVault({
        home,
        masterPassword: TEST_PASSWORD,
        config: testConfig(),
        env: {},
      });
      await creator.setCredential("seed", "before-the-storm");
      creator.close();

      const everAcked = new Map<string, string>([["seed", "before-the-storm"]]);
      const startedAt = Date.now();
      let killedWhileWriting = 0;
      let rounds = 0;
      const reader = openVault(home);

      const lane = async (laneId: number): Promise<void> => {
        for (let round = 0; round < KILLS / LANES; round++) {
          const plan = randomKillPlan(2, 6);
          let acks = 0;
          let armed = false;
          const result = await runStressChild("vault-writer.mjs", [home, `l${laneId}r${round}`], {
            env: { VAULT_MASTER_PASSWORD: TEST_PASSWORD },
            onLine: (line, kill) => {
              const ack = /^ack (\S+) (\S+)$/.exec(line);
              // Recorded as soon as it is printed: from here on the other lane's checks expect it.
              if (ack?.[1] !== undefined && ack[2] !== undefined) {
                everAcked.set(ack[1], ack[2]);
                acks += 1;
              }
              if ((line === "ready" || ack) && !armed && acks >= plan.afterAcks) {
                armed = true;
                setTimeout(kill, plan.delayMs);
              }
            },
          });
          expect(result.signal, `lane ${laneId} round ${round}: ${result.stderr}`).toBe("SIGKILL");
          if (result.stdout.includes("ready")) killedWhileWriting += 1;
          rounds += 1;

          // The vault holds every write acknowledged so far, by either lane: every name each
          // round; every value each 25th round, else this round's and a random sample of older
          // ones (checking thousands of values after every kill would make the run quadratic).
          // A long-lived handle re-reads, re-checks and re-decrypts the whole file whenever it
          // changed; every eighth round a fresh handle also unwraps the key again (a full KDF).
          const expected = [...everAcked];
          const fresh = round % 8 === 0;
          const vault = fresh ? openVault(home) : reader;
          const stored = await vault.listCredentials();
          for (const [name] of expected) {
            expect(stored[name], `lane ${laneId} round ${round}: ${name} was acked`).toBeDefined();
          }
          const everyValue = round % 25 === 0 || round === KILLS / LANES - 1;
          const ours = expected.filter(([name]) => name.startsWith(`l${laneId}r${round}-`));
          const sample = everyValue
            ? expected
            : [
                ...ours,
                ...Array.from(
                  { length: 20 },
                  () => expected[Math.floor(Math.random() * expected.length)],
                ),
              ];
          for (const entry of sample) {
            if (entry === undefined) continue;
            expect(await vault.getCredential(entry[0]), entry[0]).toBe(entry[1]);
          }
          if (fresh) vault.close();
        }
      };
      await Promise.all(Array.from({ length: LANES }, (_, id) => lane(id)));
      reader.close();

      // Leftovers of killed writes are private, and the next writer clears them.
      for (const file of readdirSync(home)) {
        expect(statSync(join(home, file)).mode & 0o077, file).toBe(0);
      }
      const after = openVault(home);
      await after.setCredential("after-the-storm", "calm");
      expect(readdirSync(home).sort()).toEqual(["vault", "vault.lock"]);
      after.close();

      expect(rounds).toBe(KILLS);
      expect(killedWhileWriting).toBeGreaterThan(KILLS / 2);
      console.info(
        `vault SIGKILL stress: ${KILLS} kills in ${LANES} lanes, ${everAcked.size} acknowledged ` +
          `writes kept, ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
      );
    },
    scaled(120_000, 300_000),
  );
});
