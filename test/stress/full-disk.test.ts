import { closeSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLogger, queryEvents, verifyTrail } from "../../src/audit/index.js";
import { parseConfig } from "../../src/config/index.js";
import { isVigilError } from "../../src/errors.js";
import { AccountMonitor } from "../../src/monitor/index.js";
import { EncryptedVault } from "../../src/vault/index.js";
import { canMount, mountSmallDisk } from "../helpers/small-disk.js";
import { FAST_KDF, TEST_PASSWORD } from "../helpers/temp-home.js";

/** Fills the filesystem of `dir` until the kernel says ENOSPC. */
function fillDisk(dir: string): string {
  const filler = join(dir, "filler");
  const fd = openSync(filler, "w");
  const block = Buffer.alloc(4096, 0x61);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

describe.skipIf(!canMount)("a full disk (tmpfs; skipped where this machine cannot mount)", () => {
  it("refuses a vault write with E_IO, keeps the old vault readable, and recovers", async () => {
    const disk = mountSmallDisk(1024) as string;
    const home = join(disk, "home");
    const vault = new EncryptedVault({
      home,
      masterPassword: TEST_PASSWORD,
      kdf: FAST_KDF,
      env: {},
    });
    await vault.setCredential("linkedin_password", "before-the-disk-filled");
    const filler = fillDisk(disk);

    let failure: unknown;
    try {
      await vault.setCredential("openai_api_key", "x".repeat(60_000));
    } catch (error) {
      failure = error;
    }
    expect(isVigilError(failure, "E_IO")).toBe(true);
    expect((failure as Error).message).toContain("ENOSPC");
    expect((failure as Error).message).toContain("unchanged");

    // The same process and a fresh one both read the old state; no temp file is left behind.
    expect(await vault.getCredential("linkedin_password")).toBe("before-the-disk-filled");
    expect(await vault.hasCredential("openai_api_key")).toBe(false);
    const reopened = new EncryptedVault({ home, masterPassword: TEST_PASSWORD, env: {} });
    expect(await reopened.getCredential("linkedin_password")).toBe("before-the-disk-filled");
    expect(readdirSync(home).sort()).toEqual(["vault", "vault.lock"]);

    rmSync(filler);
    await vault.setCredential("openai_api_key", "after-space-was-freed");
    expect(await reopened.getCredential("openai_api_key")).toBe("after-space-was-freed");
  });

  it("refuses an audit event with E_IO, keeps earlier lines, and verifies once space is freed", async () => {
    const disk = mountSmallDisk(1024) as string;
    const dir = join(disk, "home", "audit");
    const keys = { sealKey: Buffer.alloc(32, 3) };
    const logger = new AuditLogger({
      logDirectory: dir,
      config: parseConfig({}),
      keys,
      durability: "fsync",
      syslog: false,
    });
    for (let i = 0; i < 20; i++) await logger.logApiCall("jobs", `/before/${i}`);
    const filler = fillDisk(disk);

    // Large events, so that the disk cannot take them even in the last partly used block.
    const failures: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      await logger
        .logError("full", `after ${i}`, { blob: "z".repeat(20_000) })
        .catch((error: unknown) => failures.push(error));
    }
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(isVigilError(failure, "E_IO"), String(failure)).toBe(true);
      expect((failure as Error).message).toContain("ENOSPC");
    }
    // What was written before the disk filled is intact, and verify says so even now.
    const during = verifyTrail(dir, { keys: await keysOf(dir, keys.sealKey) });
    expect(during.intact, JSON.stringify(during.firstBreak)).toBe(true);
    expect(
      (await queryEvents(dir, { eventType: "api_call" })).map((event) => event.details.endpoint),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `/before/${i}`));

    rmSync(filler);
    await logger.logApiCall("jobs", "/after-space-was-freed");
    await logger.close();
    const after = verifyTrail(dir, { keys: await keysOf(dir, keys.sealKey) });
    expect(after.intact, JSON.stringify(after.firstBreak)).toBe(true);
    expect(after.warnings).toEqual([]);
    expect((await queryEvents(dir, { eventType: "api_call" })).length).toBe(21);
  });

  it("refuses a monitor record with E_MONITOR on a full disk and keeps earlier rows", async () => {
    const disk = mountSmallDisk(1024) as string;
    const home = join(disk, "home");
    const monitor = new AccountMonitor({ home, config: parseConfig({}), env: {} });
    for (let i = 0; i < 10; i++) await monitor.recordApplication(`Before ${i}`, "Engineer");
    const filler = fillDisk(disk);

    const failures: unknown[] = [];
    for (let i = 0; i < 200 && failures.length === 0; i++) {
      await monitor
        .recordError("full_disk", `e${i} ${"x".repeat(4000)}`)
        .catch((error: unknown) => failures.push(error));
    }
    expect(failures.length).toBe(1);
    expect(isVigilError(failures[0]), String(failures[0])).toBe(true);
    expect((failures[0] as Error).message).toMatch(/full|space/i);

    rmSync(filler);
    await monitor.recordApplication("After", "Engineer");
    const summary = await monitor.getActivitySummary();
    expect(summary.applications.count).toBe(11);
    monitor.close();
    const reopened = new AccountMonitor({ home, config: parseConfig({}), env: {} });
    expect((await reopened.getActivitySummary()).applications.count).toBe(11);
    reopened.close();
  });
});

async function keysOf(dir: string, sealKey: Buffer) {
  const { resolveAuditKeys } = await import("../../src/audit/index.js");
  return resolveAuditKeys({ sealKey }, dir);
}
