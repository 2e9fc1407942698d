import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EncryptedVault } from "../../src/vault/index.js";
import { makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";
import { runFixture, testConfig } from "../helpers/vault-fixtures.js";

const childEnv = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };

function openVault(home: string, masterPassword = TEST_PASSWORD): EncryptedVault {
  return new EncryptedVault({
    home,
    masterPassword,
    config: testConfig(),
    env: {},
    create: false,
  });
}

function parseAcks(stdout: string): Map<string, string> {
  const acked = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const match = /^ack (\S+) (\S+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) acked.set(match[1], match[2]);
  }
  return acked;
}

describe("several processes writing at once", () => {
  it("keeps all 100 names written by four processes, 25 each, started together", async () => {
    const home = join(makeTempDir(), ".vigil");
    // Every process unlocks (and the first creates the vault), then all start at one instant.
    const startAt = String(Date.now() + 2_500);

    const results = await Promise.all(
      ["p0", "p1", "p2", "p3"].map((prefix) =>
        runFixture("writer.ts", [home, prefix, "25", startAt], { env: childEnv }),
      ),
    );

    for (const result of results) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(parseAcks(result.stdout).size).toBe(25);
    }
    const vault = openVault(home);
    const names = Object.keys(await vault.listCredentials());
    expect(names.length).toBe(100);
    for (const result of results) {
      for (const [name, value] of parseAcks(result.stdout)) {
        expect(await vault.getCredential(name)).toBe(value);
      }
    }
    expect(readdirSync(home).sort()).toEqual(["vault", "vault.lock"]);
  }, 180_000);
});

describe("a writer killed with SIGKILL", () => {
  it("leaves no vault or a whole one when killed while creating it", async () => {
    for (let round = 0; round < 8; round++) {
      const home = join(makeTempDir(), ".vigil");
      // Node and tsx start in roughly 300-600 ms, then the KDF and the first write follow.
      const killAtMs = 250 + Math.random() * 500;
      const result = await runFixture("writer.ts", [home, "c", "0"], {
        env: childEnv,
        onStart: (kill) => setTimeout(kill, killAtMs),
      });
      expect(result.signal).toBe("SIGKILL");
      if (!existsSync(join(home, "vault"))) continue;
      const vault = openVault(home);
      for (const [name, value] of parseAcks(result.stdout)) {
        expect(await vault.getCredential(name)).toBe(value);
      }
      vault.close();
    }
  }, 120_000);

  it("leaves the vault under the old or the new password when killed while changing it", async () => {
    const home = join(makeTempDir(), ".vigil");
    const passwords = [TEST_PASSWORD, "velvet-harbor-sixty-copper-tide"];
    const everAcked = new Map<string, string>();
    let current = 0;

    for (let round = 0; round < 8; round++) {
      const killAfterLines = 1 + Math.floor(Math.random() * 6);
      let lines = 0;
      let ackedPassword = current;
      const result = await runFixture("writer.ts", [home, `pw${round}`, "0"], {
        env: {
          VAULT_MASTER_PASSWORD: passwords[current] as string,
          WRITER_PASSWORDS: passwords.join(","),
        },
        onLine: (line, kill) => {
          const pw = /^pw (\d)$/.exec(line);
          if (pw) ackedPassword = Number(pw[1]);
          if (line.startsWith("ack ") || pw) lines += 1;
          if (lines === killAfterLines) setTimeout(kill, Math.random() * 40);
        },
      });
      expect(result.signal).toBe("SIGKILL");
      for (const [name, value] of parseAcks(result.stdout)) everAcked.set(name, value);

      // The acknowledged password opens it, unless the next change landed before the kill.
      const other = 1 - ackedPassword;
      let opened: EncryptedVault | undefined;
      for (const index of [ackedPassword, other]) {
        const attempt = openVault(home, passwords[index] as string);
        try {
          await attempt.unlock();
          opened = attempt;
          current = index;
          break;
        } catch (error) {
          expect((error as { code?: string }).code).toBe("E_WRONG_PASSWORD");
        }
      }
      if (opened === undefined) throw new Error(`round ${round}: neither password opens the vault`);
      for (const [name, value] of everAcked) expect(await opened.getCredential(name)).toBe(value);
      opened.close();
    }
  }, 180_000);

  it("leaves a vault that opens and holds every acknowledged write, 30 times over", async () => {
    const home = join(makeTempDir(), ".vigil");
    const everAcked = new Map<string, string>();
    let killedMidRun = 0;

    for (let round = 0; round < 30; round++) {
      // Kill after a random number of acknowledged writes, plus a random delay that lands the
      // signal somewhere inside the next write (serialise, encrypt, write, fsync, rename).
      const killAfterAcks = 1 + Math.floor(Math.random() * 4);
      const delayMs = Math.random() * 4;
      let acks = 0;
      const result = await runFixture("writer.ts", [home, `r${round}`, "0"], {
        env: childEnv,
        onLine: (line, kill) => {
          if (!line.startsWith("ack ")) return;
          acks += 1;
          if (acks === killAfterAcks) setTimeout(kill, delayMs);
        },
      });
      if (result.signal === "SIGKILL") killedMidRun += 1;
      for (const [name, value] of parseAcks(result.stdout)) everAcked.set(name, value);

      const vault = openVault(home);
      const stored = await vault.listCredentials();
      for (const [name, value] of everAcked) {
        expect(stored[name], `round ${round}: ${name} was acknowledged`).toBeDefined();
        expect(await vault.getCredential(name)).toBe(value);
      }
      vault.close();
      expect(statSync(join(home, "vault")).mode & 0o777).toBe(0o600);
    }

    expect(killedMidRun).toBe(30);
    expect(everAcked.size).toBeGreaterThanOrEqual(30);
    // A write killed before its rename may leave a temp file beside the vault; none may be
    // readable by others, and the next writer must not trip over it.
    for (const file of readdirSync(home)) {
      expect(statSync(join(home, file)).mode & 0o077, file).toBe(0);
    }
    const after = openVault(home);
    await after.setCredential("after-the-storm", "calm");
    expect(await after.getCredential("after-the-storm")).toBe("calm");
    // The next write, holding the lock, removed every leftover: old copies of the vault (with
    // values deleted since, or a key block under an old password) do not linger.
    expect(readdirSync(home).sort()).toEqual(["vault", "vault.lock"]);
  }, 180_000);
});
