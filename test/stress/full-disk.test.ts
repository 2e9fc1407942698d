import { closeSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isVigilError } from "../../src/errors.js";
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
});
